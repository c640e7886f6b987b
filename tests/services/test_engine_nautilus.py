"""The Nautilus source against a real redis-server holding message-bus entries recorded
with nautilus_trader's own serializer (scripts/fixtures/nautilus_events.py)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis

from perfdesk.domain.events import DataEvent, EquityEvent, FillEvent
from perfdesk.services.engine.cursor import MemoryCursorStore, PgCursorStore, SavedCursor
from perfdesk.services.engine.nautilus.source import NautilusSource
from perfdesk.services.engine.recorder import RecordingHandler
from perfdesk.services.engine.source import SourceConfig
from perfdesk.services.engine.sources import open_source
from perfdesk.services.store.store import Store
from tests.services.redis_server import redis_url  # noqa: F401 (fixture)

FIXTURE = Path(__file__).parent.parent / "fixtures" / "nautilus" / "bus.json"
ENTRIES: list[dict[str, str]] = json.loads(FIXTURE.read_text(encoding="utf-8"))["entries"]
STREAM = "trader-TRADER-001-stream"
SID = "Flipper-000"
FILLS = sum(e["type"] == "OrderFilled" for e in ENTRIES)
POSITIONS = sum(e["type"].startswith("Position") for e in ENTRIES)


async def _add(url: str, entries: Sequence[dict[str, str]]) -> None:
    r = aioredis.from_url(url)
    for e in entries:
        await r.xadd(STREAM, {k: v for k, v in e.items() if k != "type"})
    await r.aclose()


def _source(url: str, sink: Any, resume: Any, cursors: Any) -> NautilusSource:
    nautilus = url.replace("redis://", "nautilus+redis://") + f"?stream={STREAM}&capital=100000"
    source = open_source(SourceConfig(nautilus))(sink, resume, cursors=cursors)
    assert isinstance(source, NautilusSource)
    source.checkpoint_every_s = 0.0
    return source


async def no_resume() -> dict[str, int]:
    return {}


async def _run(source: NautilusSource, handler: RecordingHandler, done: Any) -> None:
    task = asyncio.create_task(source.run())
    try:
        await handler.wait_for(done, limit_s=20)
    finally:
        await source.stop()
        await task


async def test_fills_and_derived_equity_from_the_bus(redis_url: str) -> None:  # noqa: F811
    await _add(redis_url, ENTRIES)
    handler = RecordingHandler()
    source = _source(redis_url, handler, no_resume, MemoryCursorStore())
    await _run(source, handler, lambda: handler.count(SID) >= FILLS + POSITIONS)
    assert handler.strategies[SID].name == SID
    assert handler.seqs[SID] == list(range(1, FILLS + POSITIONS + 1))
    fills = [e for e in handler.events if isinstance(e, FillEvent)]
    first = json.loads(next(e["payload"] for e in ENTRIES if e["type"] == "OrderFilled"))
    assert len(fills) == FILLS
    assert fills[0].order_id == first["client_order_id"] and fills[0].side == "buy"
    assert fills[0].qty == float(first["last_qty"]) and fills[0].price == float(first["last_px"])
    assert fills[0].fee == float(first["commission"].split()[0])
    equity = [e for e in handler.events if isinstance(e, EquityEvent)]
    positions = [json.loads(e["payload"]) for e in ENTRIES if e["type"].startswith("Position")]
    banked = sum(float(p["realized_pnl"].split()[0]) for p in positions if p["side"] == "FLAT")
    assert positions[-1]["type"] == "PositionOpened"  # the last position is still open
    realized = banked + float(positions[-1]["realized_pnl"].split()[0])
    assert abs(equity[-1].realized_pnl - realized) < 1e-6
    assert abs(equity[-1].equity - (100_000 + realized)) < 1e-6
    assert equity[-1].position_value > 0
    assert handler.dead_letters == []


async def test_a_dropped_connection_resumes_without_loss_or_duplicate(redis_url: str) -> None:  # noqa: F811
    half = len(ENTRIES) // 2
    await _add(redis_url, ENTRIES[:half])
    handler = RecordingHandler()
    source = _source(redis_url, handler, no_resume, MemoryCursorStore())
    task = asyncio.create_task(source.run())
    try:
        await handler.wait_for(lambda: handler.count() > 0 and source.entry_id is not None)
        admin = aioredis.from_url(redis_url)
        await admin.client_kill_filter(_type="normal", skipme=True)
        await admin.aclose()
        await _add(redis_url, ENTRIES[half:])
        await handler.wait_for(lambda: handler.count(SID) >= FILLS + POSITIONS, limit_s=20)
    finally:
        await source.stop()
        await task
    assert handler.seqs[SID] == list(range(1, FILLS + POSITIONS + 1))


class WatchedCursors(PgCursorStore):
    """PostgreSQL cursors that say when one was saved."""

    def __init__(self, pool: Any) -> None:
        super().__init__(pool)
        self.saved = asyncio.Event()

    async def save(self, source: str, strategy_id: str, saved: SavedCursor) -> None:
        await super().save(source, strategy_id, saved)
        self.saved.set()


class StoringSink(RecordingHandler):
    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store

    async def on_events(self, events: Sequence[DataEvent]) -> None:
        await self.store.write_events(list(events))
        await super().on_events(events)

    async def on_strategy(self, info: Any) -> None:
        await self.store.upsert_strategy(info)
        await super().on_strategy(info)


async def test_restarts_store_every_event_exactly_once(redis_url: str, store: Store) -> None:  # noqa: F811
    cursors = WatchedCursors(store.pool)
    third = len(ENTRIES) // 3
    total = FILLS + POSITIONS
    await _add(redis_url, ENTRIES[:third])
    first = StoringSink(store)
    source = _source(redis_url, first, store.last_seqs, cursors)
    task = asyncio.create_task(source.run())
    try:
        await first.wait_for(lambda: first.count() >= 3)
        await asyncio.wait_for(cursors.saved.wait(), 10)  # follows the stored events
    finally:
        await source.stop()
        await task
    saved = await store.pool.fetchval("SELECT seq FROM engine_cursors")
    assert saved <= max(await store.seqs(SID))
    await _add(redis_url, ENTRIES[third:])
    second = StoringSink(store)
    await _run(
        _source(redis_url, second, store.last_seqs, cursors),
        second,
        lambda: second.count() > 0 and max(second.seqs[SID]) >= total,
    )
    assert await store.seqs(SID) == list(range(1, total + 1))
    assert second.seqs[SID][0] == len(first.seqs[SID]) + 1  # replayed ones were dropped
    fills = await store.pool.fetchval("SELECT count(*) FROM fills WHERE strategy_id = $1", SID)
    assert fills == FILLS


async def test_bad_entries_are_dead_lettered_and_the_stream_goes_on(redis_url: str) -> None:  # noqa: F811
    filled = next(e for e in ENTRIES if e["type"] == "OrderFilled")
    broken_px = json.loads(filled["payload"]) | {"last_px": "abc"}
    old = json.loads(filled["payload"])  # an older serialisation: int ns, `side`
    old["ts_event"] = int(old["ts_event"])
    old["side"] = old.pop("order_side")
    bad = [
        {"topic": "events.order.X", "payload": "{bad"},
        {"foo": "bar"},
        {"topic": "events.order.X", "payload": filled["payload"], "encoding": "msgpack"},
        {"topic": filled["topic"], "payload": json.dumps(broken_px)},
    ]
    r = aioredis.from_url(redis_url)
    for fields in bad:
        await r.xadd(STREAM, fields)
    await r.xadd(STREAM, {"topic": filled["topic"], "payload": json.dumps(old)})
    await r.aclose()
    handler = RecordingHandler()
    source = _source(redis_url, handler, no_resume, MemoryCursorStore())
    await _run(source, handler, lambda: handler.count(SID) >= 1 and len(handler.dead_letters) >= 4)
    reasons = [reason for _, reason in handler.dead_letters]
    assert "not JSON" in reasons[0] and "topic/payload" in reasons[1]
    assert "msgpack" in reasons[2] and "last_px" in reasons[3]
    assert handler.seqs[SID] == [1]  # the older layout is read; bad entries took no seq


async def test_the_perfdesk_equity_actor_replaces_derived_equity(redis_url: str) -> None:  # noqa: F811
    """bus_actor.json: the same backtest with scripts/fixtures/perfdesk_equity_actor.py
    (the actor docs/engines.md documents) publishing on perfdesk.equity.Flipper-000."""
    entries = json.loads((FIXTURE.parent / "bus_actor.json").read_text(encoding="utf-8"))
    samples = [
        json.loads(e["payload"]) for e in entries["entries"] if e["type"] == "PerfdeskEquity"
    ]
    fills = sum(e["type"] == "OrderFilled" for e in entries["entries"])
    await _add(redis_url, entries["entries"])
    handler = RecordingHandler()
    source = _source(redis_url, handler, no_resume, MemoryCursorStore())
    await _run(source, handler, lambda: handler.count(SID) >= fills + len(samples))
    equity = [e for e in handler.events if isinstance(e, EquityEvent)]
    assert len(equity) == len(samples)  # none derived: the actor's samples only
    last = samples[-1]
    assert equity[-1].equity == last["equity"] and equity[-1].unrealized_pnl == 11.5
    assert equity[-1].position_value == last["position_value"]
