"""`perfdesk bench sources`: events/s per engine source, end to end into PostgreSQL.

Each source replays its recorded fixture through the app's Runtime (source -> Pipeline
-> LiveMonitor + StoreWriter -> a fresh database), timed from `runtime.start()` until
every event is stored:

- `ws`: a `perfdesk.publish.Publisher` (in its own loop thread) holding N equity frames;
- `freqtrade`: the recorded Freqtrade session's closed trades repeated K times (new ids,
  later dates) in one step of the loopback replay server (own loop thread), taken by
  the source's REST back-fill;
- `nautilus`: the recorded message-bus entries XADDed K times into a real redis-server.

The last line is one JSON object with `<source>_events_per_s` for each.
"""

from __future__ import annotations

import asyncio
import copy
import json
import time
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis

from perfdesk.bench._harness import temporary_database
from perfdesk.bench._redis import redis_server
from perfdesk.publish import Publisher
from perfdesk.services.engine.freqtrade.replay import ReplayServer, load_session
from perfdesk.services.engine.source import SourceConfig
from perfdesk.services.engine.sources import open_source
from perfdesk.services.runtime.local import Runtime
from perfdesk.services.store.store import Store
from perfdesk.services.support.loop_thread import LoopThread

NAUTILUS_FIXTURE = Path(__file__).parents[2] / "tests" / "fixtures" / "nautilus" / "bus.json"
STREAM = "bench-stream"


def run(quick: bool) -> dict[str, Any]:
    return asyncio.run(_run(quick))


async def _run(quick: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, bench in (("ws", _ws), ("freqtrade", _freqtrade), ("nautilus", _nautilus)):
        events, seconds = await bench(quick)
        out[f"{name}_events"] = events
        out[f"{name}_events_per_s"] = round(events / seconds)
    return out


async def _measure(url: str, token: str | None, expected: int) -> tuple[int, float]:
    """Run the Runtime on `url` into a fresh database until `expected` events are stored."""
    async with temporary_database("perfdesk_bench_sources") as dsn:
        store = await Store.open(dsn)
        runtime = Runtime(store, open_source(SourceConfig(url, token=token)))
        t0 = time.perf_counter()
        await runtime.start()
        stored = 0

        async def count() -> None:
            nonlocal stored
            while stored < expected:
                await asyncio.sleep(0.05)
                stored = await store.count_events()

        try:
            await asyncio.wait_for(count(), 600)
        finally:
            elapsed = time.perf_counter() - t0
            await runtime.stop()
            await store.close()
    return stored, elapsed


async def _in_thread(
    start: Callable[[], Coroutine[Any, Any, str]],
    stop: Callable[[], Coroutine[Any, Any, None]],
    measure: Callable[[str], Awaitable[tuple[int, float]]],
) -> tuple[int, float]:
    thread = LoopThread("bench-engine")
    try:
        url = await thread.acall(start())
        return await measure(url)
    finally:
        await thread.acall(stop())
        thread.close()


async def _ws(quick: bool) -> tuple[int, float]:
    n = 20_000 if quick else 200_000
    pub = Publisher(token="bench", history=n)
    pub.strategy("bench")
    for i in range(n):
        pub.equity("bench", equity=1e6 + i)
    return await _in_thread(pub.start, pub.stop, lambda url: _measure(url, "bench", n))


def _scaled_session(copies: int) -> tuple[dict[str, Any], int]:
    """The recorded session's last step with its closed trades repeated `copies` times."""
    session = load_session()
    step = copy.deepcopy(session["steps"][-1])
    closed = step["closed_trades"]
    trades, day_ms = [], 86_400_000
    for k in range(copies):
        for t in closed:
            t2 = copy.deepcopy(t)
            t2["trade_id"] = t["trade_id"] + 10 * k
            t2["close_timestamp"] = t["close_timestamp"] + k * day_ms
            for o in t2["orders"]:
                o["order_id"] = f"{o['order_id']}-{k}"
                o["order_filled_timestamp"] += k * day_ms
            trades.append(t2)
    step["closed_trades"], step["open_trades"], step["ws"] = trades, [], []
    fills = sum(len(t["orders"]) for t in trades)
    return {**session, "steps": [step]}, fills


async def _freqtrade(quick: bool) -> tuple[int, float]:
    session, fills = _scaled_session(500 if quick else 5_000)
    server = ReplayServer(session)

    async def measure(url: str) -> tuple[int, float]:
        return await _measure(url, server.password, fills)

    return await _in_thread(server.start, server.stop, measure)


async def _nautilus(quick: bool) -> tuple[int, float]:
    entries = json.loads(NAUTILUS_FIXTURE.read_text(encoding="utf-8"))["entries"]
    copies = 200 if quick else 2_000
    derived = sum(e["type"] == "OrderFilled" or e["type"].startswith("Position") for e in entries)
    with redis_server() as url:
        r = aioredis.from_url(url)
        fields = [{k: v for k, v in e.items() if k != "type"} for e in entries]
        for _ in range(copies):
            async with r.pipeline(transaction=False) as pipe:
                for f in fields:
                    pipe.xadd(STREAM, f)
                await pipe.execute()
        await r.aclose()
        source_url = url.replace("redis://", "nautilus+redis://") + f"?stream={STREAM}"
        return await _measure(source_url, None, derived * copies)
