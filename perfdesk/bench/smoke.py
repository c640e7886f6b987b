"""`perfdesk bench smoke`: events/s through the whole live slice.

Simulator -> EngineClient -> Pipeline (LiveMonitor + StoreWriter -> PostgreSQL), with
the validator running as in the app. Baseline, in the same run: the same stream into
an in-memory handler (socket + validation only). `ratio` = slice / baseline.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from perfdesk.bench._harness import simulator_thread, temporary_database, wait_until
from perfdesk.services.engine.recorder import RecordingHandler
from perfdesk.services.engine.source import SourceConfig
from perfdesk.services.engine.sources import open_source
from perfdesk.services.engine.ws_client import EngineClient
from perfdesk.services.runtime.local import Runtime
from perfdesk.services.store.store import Store

STRATEGIES = 10


def run(quick: bool) -> dict[str, Any]:
    return asyncio.run(_run(20_000 if quick else 200_000))


def _sim_kwargs(events: int) -> dict[str, Any]:
    # Offer far more than either consumer can take, so both run flat out.
    return {"strategies": STRATEGIES, "rate": 50_000.0, "speedup": 50_000.0, "max_events": events}


async def _baseline(events: int) -> float:
    async with simulator_thread(**_sim_kwargs(events)) as (_sim, url):
        handler = RecordingHandler(keep_events=False)
        client = EngineClient(url, handler)
        t0 = time.perf_counter()
        task = asyncio.create_task(client.run())
        await wait_until(lambda: handler.count() >= events, 300, "the baseline stream")
        elapsed = time.perf_counter() - t0
        await client.stop()
        await task
    return events / elapsed


async def _slice(events: int) -> tuple[float, int]:
    async with temporary_database() as dsn, simulator_thread(**_sim_kwargs(events)) as (_, url):
        store = await Store.open(dsn)
        runtime = Runtime(store, open_source(SourceConfig(url)))
        client = runtime.source
        assert client is not None
        t0 = time.perf_counter()
        await runtime.start()
        await wait_until(lambda: client.stats.events >= events, 300, "the slice to receive")
        await runtime.writer.flush()
        elapsed = time.perf_counter() - t0
        stored = await store.count_events()
        await runtime.stop()
        await store.close()
    return events / elapsed, stored


async def _run(events: int) -> dict[str, Any]:
    baseline = await _baseline(events)
    slice_rate, stored = await _slice(events)
    if stored != events:
        raise RuntimeError(f"stored {stored} events of {events} sent")
    return {
        "events": events,
        "strategies": STRATEGIES,
        "events_per_s": round(slice_rate),
        "baseline_socket_only_events_per_s": round(baseline),
        "ratio": round(slice_rate / baseline, 3),
    }
