"""Saved thresholds and expectations take effect in the running backend (real PostgreSQL,
the backend on its own loop thread as in the app)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from perfdesk.domain.events import EquityEvent, StrategyInfo
from perfdesk.domain.expectations import Expectations
from perfdesk.domain.status import StrategyState
from perfdesk.domain.thresholds import Thresholds
from perfdesk.services.engine.source import SourceConfig
from perfdesk.services.engine.sources import open_source
from perfdesk.services.host.backend_host import BackendHost, HostedConfig
from perfdesk.services.host.bootstrap import Backend
from perfdesk.services.runtime.local import Runtime
from perfdesk.services.store.store import Store

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
DEAD_ENGINE = "ws://127.0.0.1:9"  # nothing listens: the client keeps reconnecting


def equity(seq: int, sid: str = "s1") -> EquityEvent:
    return EquityEvent(
        strategy_id=sid,
        seq=seq,
        ts=T0 + timedelta(seconds=seq),
        equity=100_000.0 + seq,
        realized_pnl=0.0,
        unrealized_pnl=0.0,
        position_value=0.0,
    )


def stale_limit(runtime: Runtime, sid: str) -> float | None:
    verdict = next(v for v in runtime.monitor.validate() if v.strategy_id == sid)
    return next(r.limit for r in verdict.rules if r.rule == "stale")


async def _up(dsn: str, spool: Path | None = None) -> Backend:
    store = await Store.open(dsn)
    runtime = Runtime(store, open_source(SourceConfig(DEAD_ENGINE)), spool_dir=spool)
    await runtime.start()
    for sid in ("s1", "s2"):
        runtime.monitor.on_strategy(
            StrategyInfo(strategy_id=sid, name=sid, status=StrategyState.ACTIVE)
        )
        runtime.monitor.on_event(equity(1, sid))
    return Backend(runtime, store, "test")


async def test_saved_thresholds_judge_the_next_cycle(db_dsn: str) -> None:
    host = BackendHost()
    repo = HostedConfig(host)
    early = asyncio.ensure_future(repo.load(None))  # the screen asks before the DB is up
    try:
        host.backend = await host.run(_up(db_dsn))
        assert await early is None  # it waited for the backend, nothing saved yet
        runtime = host.backend.runtime
        assert await host.run(_async(stale_limit, runtime, "s1")) == 10.0

        await repo.save(None, Thresholds(stale_after_s=30.0), "alice")  # global defaults
        await repo.save("s2", Thresholds(stale_after_s=4.5), "bob")  # one strategy's own
        assert await host.run(_async(stale_limit, runtime, "s1")) == 30.0
        assert await host.run(_async(stale_limit, runtime, "s2")) == 4.5
        history = await repo.history("s2")
        assert [(v.version, v.who) for v in history] == [(1, "bob")]
    finally:
        await host.stop()


async def test_saved_thresholds_survive_a_restart(db_dsn: str) -> None:
    host = BackendHost()
    try:
        host.backend = await host.run(_up(db_dsn))
        await HostedConfig(host).save("s1", Thresholds(stale_after_s=7.0), "alice")
    finally:
        await host.stop()
    host = BackendHost()
    try:
        host.backend = await host.run(_up(db_dsn))
        assert await host.run(_async(stale_limit, host.backend.runtime, "s1")) == 7.0
    finally:
        await host.stop()


async def test_saved_expectations_replace_the_live_ones(db_dsn: str) -> None:
    host = BackendHost()
    repo = HostedConfig(host)
    try:
        host.backend = await host.run(_up(db_dsn))
        profile = Expectations(annual_return=0.12, annual_volatility=0.2, max_drawdown=0.1)
        await repo.save_expectations("s1", profile, "alice")
        assert await repo.load_expectations("s1") == profile
        snaps = host.backend.runtime.monitor.snapshots()
        assert snaps["s1"].version > 0
        live = host.backend.runtime.monitor._live["s1"]  # the validator's input
        assert live.expectations == profile
    finally:
        await host.stop()


async def test_a_failed_start_reaches_the_waiting_screen() -> None:
    host = BackendHost()
    repo = HostedConfig(host)
    waiting = asyncio.ensure_future(repo.load(None))
    await asyncio.sleep(0)
    host.failed(OSError("database refused"))
    with pytest.raises(RuntimeError, match="database refused"):
        await waiting
    await host.stop()


async def test_resume_points_include_spooled_events(db_dsn: str, tmp_path: Path) -> None:
    host = BackendHost()
    try:
        host.backend = await host.run(_up(db_dsn, tmp_path / "spool"))
        runtime = host.backend.runtime
        assert runtime.spool is not None
        await host.run(runtime.store.write_events([equity(1), equity(2)]))
        await host.run(runtime.spool.append([equity(3), equity(4), equity(5, "s2")]))
        resume = await host.run(runtime._resume_points())
        assert resume == {"s1": 4, "s2": 5}
        storage = await host.run(_async(lambda: runtime.publish().storage))
        assert storage.spooled == 3
        assert storage.db_available
    finally:
        await host.stop()


async def _async(fn, *args):  # type: ignore[no-untyped-def]
    """Run a plain function on the backend loop (the monitor belongs to that thread)."""
    return fn(*args)
