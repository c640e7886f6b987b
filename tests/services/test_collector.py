"""The collector in-process on a real PostgreSQL and a real simulator: heartbeat, events,
alerts persisted, thresholds and client actions picked up, advisory locks per engine."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from collector_helpers import CollectorProcess, simulator, wait_for, wait_for_async

from perfdesk.domain.alerts import AlertState
from perfdesk.domain.thresholds import DrawdownThresholds, Thresholds
from perfdesk.services.collector import Collector, CollectorConfig
from perfdesk.services.collector_actions import request_action
from perfdesk.services.collector_lock import CollectorLockError, engine_key
from perfdesk.services.store import Store
from perfdesk.services.store_config import ConfigStore


def _config(dsn: str, url: str, **kw: object) -> CollectorConfig:
    return CollectorConfig(dsn=dsn, engine_url=url, heartbeat_s=0.2, **kw)  # type: ignore[arg-type]


async def test_collects_beats_and_fires_alerts(db_dsn: str) -> None:
    async with simulator() as (_sim, url):
        collector = await Collector.start(_config(db_dsn, url, name="c1"))
        try:
            runtime = collector.runtime
            assert collector.reports is not None  # the report schedules run here too
            await wait_for(lambda: runtime.writer.stats.written > 50, "events stored")
            await wait_for(
                lambda: any(a.state is AlertState.FIRING for a in runtime.alerts.alerts()),
                "the breaking strategy's alert",
            )
            await collector.runtime.alert_persistence.flush()
            conn = await asyncpg.connect(db_dsn)
            try:
                beat = await conn.fetchrow("SELECT * FROM collector_heartbeats")
                firing = await conn.fetchval("SELECT count(*) FROM alerts WHERE state = 'firing'")
            finally:
                await conn.close()
            assert beat["collector_id"] == "c1" and beat["stopped_at"] is None
            assert beat["strategies"] == ["*"]
            assert firing >= 1
        finally:
            await collector.stop()
        conn = await asyncpg.connect(db_dsn)
        try:
            assert await conn.fetchval("SELECT stopped_at FROM collector_heartbeats") is not None
        finally:
            await conn.close()


async def test_second_collector_for_the_same_engine_is_refused(db_dsn: str) -> None:
    async with simulator() as (_sim, url):
        first = await Collector.start(_config(db_dsn, url, name="first"))
        try:
            with pytest.raises(CollectorLockError, match="'first'") as refused:
                await Collector.start(_config(db_dsn, url + "/", name="second"))
            assert "already collecting" in str(refused.value)
            # A subset collector is refused as well while `first` collects everything.
            with pytest.raises(CollectorLockError):
                await Collector.start(_config(db_dsn, url, strategies=("beta-break",)))
        finally:
            await first.stop()
        # Once the first has stopped, its locks are gone.
        again = await Collector.start(_config(db_dsn, url, name="second"))
        await again.stop()


async def test_collectors_split_strategies_by_subset(db_dsn: str) -> None:
    async with simulator() as (_sim, url):
        a = await Collector.start(_config(db_dsn, url, name="a", strategies=("alpha-healthy",)))
        b = await Collector.start(_config(db_dsn, url, name="b", strategies=("beta-break",)))
        try:
            with pytest.raises(CollectorLockError, match="strategy 'beta-break'"):
                await Collector.start(_config(db_dsn, url, strategies=("beta-break",)))
            await wait_for(lambda: a.runtime.writer.stats.written > 20, "a's events")
            await wait_for(lambda: b.runtime.writer.stats.written > 20, "b's events")
            assert set(a.runtime.monitor.snapshots()) == {"alpha-healthy"}
            assert set(b.runtime.monitor.snapshots()) == {"beta-break"}
            assert set(b.runtime.client.last_seqs) == {"beta-break"}
        finally:
            await a.stop()
            await b.stop()


async def test_thresholds_and_client_acks_reach_the_collector(db_dsn: str) -> None:
    async with simulator() as (_sim, url):
        collector = await Collector.start(_config(db_dsn, url))
        try:
            runtime = collector.runtime
            await wait_for(
                lambda: any(a.state is AlertState.FIRING for a in runtime.alerts.alerts()),
                "a firing alert",
            )
            firing = next(a for a in runtime.alerts.alerts() if a.state is AlertState.FIRING)
            await request_action(
                collector.store.pool, actor="trader2", action="ack",
                fingerprint=firing.fingerprint, strategy_id=firing.strategy_id, comment="seen",
            )  # fmt: skip
            await wait_for(
                lambda: runtime.alerts.get(firing.fingerprint).acked_by == "trader2",  # type: ignore[union-attr]
                "the ack applied by the collector",
            )
            await request_action(
                collector.store.pool, actor="trader3", action="snooze",
                fingerprint=firing.fingerprint, strategy_id=firing.strategy_id,
                until_recovery=True,
            )  # fmt: skip
            await wait_for(
                lambda: runtime.alerts.get(firing.fingerprint).snooze_until_recovery,  # type: ignore[union-attr]
                "the snooze until recovery applied by the collector",
            )
            changed = Thresholds(drawdown=DrawdownThresholds(warning_ratio=2.0, critical_ratio=3.0))
            await ConfigStore(collector.store).save("alpha-healthy", changed, "risk")
            await wait_for(
                lambda: collector.thresholds.thresholds_for("alpha-healthy") == changed,
                "the new thresholds in the collector's validator",
            )
            assert collector.thresholds.thresholds_for("beta-break") == Thresholds()
            await request_action(
                collector.store.pool, actor="x", action="ack", fingerprint="nope/none",
                strategy_id="beta-break",
            )  # fmt: skip
            await wait_for(lambda: collector.actions.stats.failed == 1, "the bad action refused")
        finally:
            await collector.stop()
    conn = await asyncpg.connect(db_dsn)
    try:
        errors = await conn.fetch("SELECT error FROM client_actions WHERE error IS NOT NULL")
    finally:
        await conn.close()
    assert [r["error"] for r in errors] == ["\"no alert with fingerprint 'nope/none'\""]
    assert datetime.now(UTC)  # the collector stopped cleanly


async def test_losing_the_lock_connection_stops_the_collector(db_dsn: str) -> None:
    async with simulator() as (_sim, url):
        collector = await Collector.start(_config(db_dsn, url))
        killed = await collector.store.pool.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE application_name = 'perfdesk-collector-lock' AND datname = current_database()"
        )
        assert killed == 1
        await wait_for(collector.stopped.is_set, "the collector to stop itself")
        # Its row says it stopped, so desktops show it offline at once.
        conn = await asyncpg.connect(db_dsn)
        try:
            assert await conn.fetchval("SELECT stopped_at FROM collector_heartbeats") is not None
        finally:
            await conn.close()


def test_engine_key_is_normalised_and_carries_no_credentials() -> None:
    assert engine_key("WS://User:Secret@Engine.Internal:8765/feed/?token=x") == (
        "ws://engine.internal:8765/feed"
    )
    assert engine_key("ws://127.0.0.1:4000/") == engine_key("ws://127.0.0.1:4000")
    assert engine_key("ws://[::1]:4000") == "ws://[::1]:4000"


async def test_sigterm_flushes_every_received_event_then_exits_0(
    db_dsn: str, tmp_path: Path
) -> None:
    await (await Store.open(db_dsn)).close()
    async with simulator(rate=200.0) as (_sim, url):
        proc = CollectorProcess(db_dsn, url, tmp_path / "collector.log")
        store = await Store.open(db_dsn)
        try:
            await wait_for_async(store.count_events, 2_000, "events streaming in")
            assert await proc.terminate() == 0  # mid-stream
            stored = await store.count_events()
        finally:
            await store.close()
    lines = [json.loads(line) for line in proc.log_text().splitlines() if line.startswith("{")]
    final = next(line for line in lines if line["msg"] == "collector stopped")
    assert final["events_spooled"] == 0
    assert stored == final["events_received"] == final["events_written"] > 0
