"""The simulator's backfill: months of healthy history before the live epoch, seqs 1..K,
sent over a real websocket on 127.0.0.1 before the live stream, resumable, stored once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from websockets.asyncio.client import connect

from perfdesk.analytics.streaming import TradeStats
from perfdesk.domain.events import Batch, DataEvent, parse_frame
from perfdesk.services.engine.source import SourceConfig
from perfdesk.services.engine.sources import open_source
from perfdesk.services.runtime.local import Runtime
from perfdesk.services.store.store import Store
from perfdesk.sim import Archetype, Simulator, default_strategies
from perfdesk.sim.archetypes import BREAK_DEPTH_FACTOR
from perfdesk.sim.clock import DAY_S, EPOCH, calendar_time
from perfdesk.sim.demo import DEMO_BACKFILL_DAYS, demo_simulator, demo_strategies

FAST = {"rate": 2000.0, "speedup": 1440.0 * 200}
PATIENCE_S = 300.0
"""Guards against a hang only (a loaded machine may be slow, never wrong)."""


async def _read_until(ws, done: Callable[[dict[str, list[DataEvent]]], bool]):
    """Data events per strategy (batches unpacked), read until `done` says so."""
    by_sid: dict[str, list[DataEvent]] = {}
    while not done(by_sid):
        frame = parse_frame(await ws.recv())
        items = frame.frames if isinstance(frame, Batch) else [frame]
        for item in items:
            if item.type in ("equity", "fill", "status"):
                by_sid.setdefault(item.strategy_id, []).append(item)
    return by_sid


def _frames(sim: Simulator, sid: str) -> list[dict]:
    frames, _ = sim.feed(sid).history.since(0, 10**7)
    return [orjson.loads(f) for f in frames]


async def test_client_gets_the_backfill_then_the_live_stream_without_gaps():
    sim = Simulator(strategies=3, seed=21, backfill_days=10, backfill_step_s=3_600.0, **FAST)
    backfill = {sid: sim.last_seq(sid) for sid in sim.strategy_ids}
    url = await sim.start()
    try:
        await sim.wait_produced(sim.backfilled + 3 * 500)  # live events exist too
        async with connect(url, close_timeout=0.5) as ws:
            await ws.send('{"type":"subscribe","strategies":["*"],"resume":{},"batch":256}')
            got = await asyncio.wait_for(
                _read_until(
                    ws,
                    lambda d: all(len(d.get(s, ())) >= backfill[s] + 300 for s in backfill),
                ),
                PATIENCE_S,
            )
    finally:
        await sim.stop()
    for sid, events in got.items():
        k = backfill[sid]
        assert [e.seq for e in events] == list(range(1, len(events) + 1)), sid
        past, live = events[:k], events[k:]
        assert past[0].type == "status"
        assert past[0].ts == calendar_time(-10 * DAY_S, EPOCH)  # ten trading days back
        assert past[0].ts == EPOCH - timedelta(days=14)  # (two weekends skipped)
        assert past[-1].type == "equity" and past[-1].ts == EPOCH  # ends where live begins
        assert all(e.ts > EPOCH for e in live)
        ts = [e.ts for e in events]
        assert ts == sorted(ts)
        hourly = [e for e in past if e.type == "equity"]
        assert len(hourly) == 10 * 24  # one equity sample per backfill step, stall included


async def test_resume_inside_the_backfill_continues_into_live():
    sim = Simulator(strategies=2, seed=22, backfill_days=5, backfill_step_s=1_800.0, **FAST)
    sid = sim.strategy_ids[1]
    k = sim.last_seq(sid)
    url = await sim.start()
    try:
        await sim.wait_produced(sim.backfilled + 2 * 300)
        async with connect(url, close_timeout=0.5) as ws:
            resume = {sid: k // 2}
            sub = {"type": "subscribe", "strategies": [sid], "resume": resume, "batch": 64}
            await ws.send(orjson.dumps(sub).decode())
            got = await asyncio.wait_for(
                _read_until(ws, lambda d: len(d.get(sid, ())) >= k - k // 2 + 100), PATIENCE_S
            )
    finally:
        await sim.stop()
    seqs = [e.seq for e in got[sid]]
    assert seqs == list(range(k // 2 + 1, k // 2 + 1 + len(seqs)))
    assert seqs[-1] > k  # crossed from the backfill into live


def test_same_seed_same_backfill_and_zero_means_none():
    a = Simulator(strategies=3, seed=23, backfill_days=3)
    b = Simulator(strategies=3, seed=23, backfill_days=3)
    assert a.backfilled == b.backfilled > 3 * 3 * 96
    for fa, fb in zip(a.feeds, b.feeds, strict=True):
        assert fa.history.since(0, 10**6) == fb.history.since(0, 10**6)
    plain = Simulator(strategies=3, seed=23)
    assert plain.backfilled == 0 and all(f.last_seq == 0 for f in plain.feeds)


def test_archetypes_change_only_after_live_start():
    """The break still comes 25 s (at default speed) after live start, not in the past."""
    sim = Simulator(strategies=3, seed=24, backfill_days=40)
    feed = next(f for f in sim.feeds if f.spec.archetype is Archetype.BREAK)
    k = feed.last_seq
    per_s = int(sim.rate)
    feed.advance(24 * per_s)
    before = feed.last_seq
    feed.advance(3 * per_s)
    equity = [d for d in _frames(sim, feed.strategy_id) if d["type"] == "equity"]
    peak, dd = 0.0, []
    for d in equity:
        peak = max(peak, d["equity"])
        dd.append((d["seq"], 1 - d["equity"] / peak))
    floor = min(0.9, BREAK_DEPTH_FACTOR * (feed.expectations.max_drawdown or 0.1))
    crash = [seq for seq, x in dd if x >= 0.95 * floor]
    assert crash and crash[0] > before > k  # first reached in live second 24–27
    assert max(x for seq, x in dd if seq <= k) < 0.95 * floor


def test_backfill_trades_at_the_declared_rate_and_win_rate():
    spec = default_strategies(1)[0]
    sim = Simulator(strategies=[spec], seed=25, backfill_days=60)
    feed = sim.feeds[0]
    fills = [d for d in _frames(sim, feed.strategy_id) if d["type"] == "fill"]
    expected = spec.trades_per_day * 60
    assert abs(len(fills) - expected) < 4 * expected**0.5  # Poisson, 4 sd
    trades = TradeStats()
    for d in fills:
        trades.update(
            0.0, d["symbol"], d["side"], qty=d["qty"], price=d["price"], fee=d["fee"],
            expected_price=d["expected_price"],
        )  # fmt: skip
    n, p = trades.trades, spec.win_rate
    assert n >= len(fills) // 2 - 1  # every second fill closes a round trip
    assert abs(trades.wins / n - p) < 4 * (p * (1 - p) / n) ** 0.5
    assert abs((feed.expectations.win_rate or 0) - p) < 0.02
    slip = trades.slippage_bps.mean
    assert abs(slip - spec.slippage_bps) < 0.2 * spec.slippage_bps


def test_bad_backfill_configuration_is_refused():
    with pytest.raises(ValueError, match="backfill_days"):
        Simulator(strategies=1, backfill_days=-1)
    with pytest.raises(ValueError, match="backfill_step_s"):
        Simulator(strategies=1, backfill_days=1, backfill_step_s=0)
    with pytest.raises(ValueError, match="half the history"):
        Simulator(strategies=1, backfill_days=30, history=2_000)


def test_demo_desk_has_six_styles_and_half_a_year_of_past():
    specs = demo_strategies()
    kinds = {s.archetype for s in specs}
    assert {Archetype.HEALTHY, Archetype.DECAY, Archetype.BREAK} <= kinds
    assert len({s.strategy_id for s in specs}) == len(specs) == 6
    assert "carry-break" in {s.strategy_id for s in specs}
    now = datetime(2026, 11, 26, 1, 30, tzinfo=UTC)
    sim = demo_simulator(now)
    assert sim.epoch.weekday() == 0 and sim.epoch < now
    for feed in sim.feeds:
        frames = _frames(sim, feed.strategy_id)
        first, last = (datetime.fromisoformat(frames[i]["ts"]) for i in (0, -1))
        assert first == calendar_time(-DEMO_BACKFILL_DAYS * DAY_S, sim.epoch)
        assert last == sim.epoch
        assert (last - first).days > 170  # about six calendar months
        assert feed.last_seq < 200_000 // 4  # the ring keeps it with room for live
    assert 30_000 < sim.backfilled < 100_000  # tens of thousands, not millions


async def _until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + PATIENCE_S
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def _collect(store: Store, sim: Simulator, past: dict[str, int]) -> None:
    """Run a Runtime against `sim` until it has stored everything the sim made (which
    goes at least 100 seqs past `past`)."""
    url = await sim.start()
    runtime = Runtime(store, open_source(SourceConfig(url)))
    try:
        await runtime.start()
        if past:  # warmed up from the stored past: months of days before any new event
            warmed = runtime.monitor.snapshots()
            assert set(warmed) == set(sim.strategy_ids)
            assert all(warmed[s].sharpe is not None for s in sim.strategy_ids)
        await _until(
            lambda: all(sim.last_seq(s) > past.get(s, 0) + 100 for s in sim.strategy_ids),
            "live events past the stored ones",
        )
        sim.pause()
        client = runtime.source
        await _until(
            lambda: all(client.last_seq(s) == sim.last_seq(s) for s in sim.strategy_ids),
            "the client to receive everything",
        )
        await runtime.writer.flush()
    finally:
        await runtime.stop()
        await sim.stop()


async def test_restarted_engine_with_the_same_backfill_stores_nothing_twice(store: Store):
    """`perfdesk sim --backfill-days` restarted under a persistent database: the client
    resumes from the stored seqs, so the replayed backfill is not stored again."""
    options = {"strategies": 2, "seed": 26, "backfill_days": 8, "rate": 200.0}
    first = Simulator(**options)
    await _collect(store, first, {})
    stored = {sid: await store.seqs(sid) for sid in first.strategy_ids}
    for sid in first.strategy_ids:
        assert stored[sid] == list(range(1, first.last_seq(sid) + 1))
    second = Simulator(**options)  # same seed: the same backfill, seqs 1..K again
    await _collect(store, second, {s: first.last_seq(s) for s in first.strategy_ids})
    for sid in second.strategy_ids:
        assert await store.seqs(sid) == list(range(1, second.last_seq(sid) + 1))
    assert await store.count_events() == sum(second.last_seq(s) for s in second.strategy_ids)
