"""`perfdesk demo` across restarts, on its real path (embedded PostgreSQL in a temporary
data directory, the demo simulator on loopback): what was saved survives a restart, the
simulator resumes where the stored events end (at once, with no gap, no repeat and no
jump back in time), and `fresh` starts over."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from perfdesk.demo_desk import catch_up, start_demo_engine
from perfdesk.domain.thresholds import Thresholds
from perfdesk.services.host.bootstrap import Backend, start_backend
from perfdesk.services.store.config_store import ConfigStore
from perfdesk.sim.demo import demo_simulator

EPOCH = datetime(2026, 9, 7, tzinfo=UTC)  # a Monday


async def until(condition, limit_s: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + limit_s
    while not await condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {limit_s} s waiting for {what}")
        await asyncio.sleep(0.1)


def test_catch_up_regenerates_the_same_stream_frame_for_frame() -> None:
    first = demo_simulator(epoch=EPOCH)
    for feed in first.feeds:
        feed.advance(300)
    stored = {f.strategy_id: f.last_seq - i for i, f in enumerate(first.feeds)}  # uneven
    again = demo_simulator(epoch=EPOCH)
    samples = catch_up(again, stored)
    assert 0 < samples <= 300
    for old, new in zip(first.feeds, again.feeds, strict=True):
        last = stored[old.strategy_id]
        assert new.last_seq >= last
        assert new.history.since(last - 50, 50)[0] == old.history.since(last - 50, 50)[0]
        new.advance(300 - samples + 20)  # both 320 samples in: the same desk goes on
        old.advance(20)
        assert new.last_seq == old.last_seq
        assert new.history.since(old.last_seq - 30, 30) == old.history.since(old.last_seq - 30, 30)


async def _received_live(backend: Backend, beyond: dict[str, int]) -> bool:
    client = backend.runtime.source
    assert client is not None
    return all(client.last_seq(sid) > seq for sid, seq in beyond.items())


async def _stop_after_flush(backend: Backend) -> dict[str, int]:
    sim = backend.sim
    assert sim is not None
    sim.pause()
    client = backend.runtime.source
    assert client is not None

    async def caught_up() -> bool:
        return all(client.last_seq(s) == sim.last_seq(s) for s in sim.strategy_ids)

    await until(caught_up, 60, "the client to receive everything sent")
    await backend.runtime.writer.flush()
    stored = await backend.store.last_seqs()
    for sid, last in stored.items():  # every seq once: no gap, no repeat
        assert await backend.store.seqs(sid) == list(range(1, last + 1)), sid
    await backend.stop()
    return stored


async def test_the_demo_keeps_its_database_and_resumes_where_it_ended(tmp_path: Path) -> None:
    backend = await start_backend(
        None, None, demo=True, data_dir=tmp_path, engine=start_demo_engine
    )
    try:
        assert "a new demo" in backend.description
        sim = backend.sim
        assert sim is not None
        backfill = {sid: sim.feed(sid).last_seq for sid in sim.strategy_ids}
        await until(lambda: _received_live(backend, backfill), 60, "live events")
        config = ConfigStore(backend.store)
        changed = Thresholds.model_validate({"stale_after_s": 42.0})
        await config.save("trend-healthy", changed, "trader", comment="wider")
        last_ts = (await backend.store.equity_series("trend-healthy"))[0][-1]
    finally:
        stored = await _stop_after_flush(backend)

    t0 = time.monotonic()
    backend = await start_backend(
        None, None, demo=True, data_dir=tmp_path, engine=start_demo_engine
    )
    try:
        assert "kept from the last start" in backend.description
        sim = backend.sim
        assert sim is not None  # caught up before it started: nothing to wait for
        assert all(sim.feed(sid).last_seq >= seq for sid, seq in stored.items())
        saved = await ConfigStore(backend.store).load("trend-healthy")
        assert saved is not None and saved.thresholds.stale_after_s == 42.0
        # The resumed simulator continues at once (no wait as long as the first run).
        await until(lambda: _received_live(backend, stored), 20, "events after the stored seq")
        resumed_after_s = time.monotonic() - t0
        ts = (await backend.store.equity_series("trend-healthy"))[0]
    finally:
        again = await _stop_after_flush(backend)
    assert resumed_after_s < 20
    newer = ts[ts > last_ts]
    assert newer.size and newer[0] - last_ts < 3600  # market time continues, no jump

    backend = await start_backend(
        None, None, demo=True, data_dir=tmp_path, engine=start_demo_engine, fresh=True
    )
    try:
        assert "a new demo" in backend.description
        assert await ConfigStore(backend.store).load("trend-healthy") is None
        assert all(seq < again[sid] for sid, seq in (await backend.store.last_seqs()).items())
    finally:
        await backend.stop()
