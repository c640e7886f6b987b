"""The collector in-process on a real PostgreSQL and a real simulator: heartbeat, events,
alerts persisted, thresholds and client actions picked up, advisory locks per engine."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
from collector_helpers import CollectorProcess, simulator, wait_for, wait_for_async

from perfdesk.domain.alerts import Alert, AlertChange, AlertState, Silence
from perfdesk.domain.expectations import Expectations
from perfdesk.domain.thresholds import DrawdownThresholds, Thresholds
from perfdesk.services.alerts.store import AlertStore
from perfdesk.services.collector.actions import request_action
from perfdesk.services.collector.lock import CollectorLockError, engine_key
from perfdesk.services.collector.service import (
    Collector,
    CollectorConfig,
)
from perfdesk.services.store.config_store import ConfigStore
from perfdesk.services.store.store import Store

BREAK_FP = Alert.fingerprint_of("beta-break", "drawdown")


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
            assert set(b.runtime.engine.last_seqs) == {"beta-break"}
        finally:
            await a.stop()
            await b.stop()


async def test_saved_expectations_reach_the_collector_and_outlast_a_restart(
    db_dsn: str,
) -> None:
    signed_off = Expectations(sharpe=0.9, max_drawdown=0.25)
    async with simulator() as (_sim, url):
        collector = await Collector.start(_config(db_dsn, url))
        try:
            monitor = collector.runtime.monitor
            await wait_for(lambda: collector.runtime.writer.stats.written > 20, "events")
            announced = monitor.expectations_of("alpha-healthy")
            assert announced != signed_off
            await ConfigStore(collector.store).save_expectations(
                "alpha-healthy", signed_off, "risk"
            )
            await wait_for(
                lambda: monitor.expectations_of("alpha-healthy") == signed_off,
                "the saved expectations in the collector's monitor",
            )
            assert monitor.expectations_of("beta-break") != signed_off
        finally:
            await collector.stop()
        again = await Collector.start(_config(db_dsn, url))
        try:  # the engine announces its strategies again on connect
            await wait_for(lambda: again.runtime.writer.stats.written > 20, "events again")
            assert again.runtime.monitor.expectations_of("alpha-healthy") == signed_off
        finally:
            await again.stop()


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
    # Its disk spool: one per database and collector id, under the data directory.
    spools = list((tmp_path / "data" / "perfdesk" / "spool").glob("*/*/spool.lock"))
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", final["collector_id"]).strip("_")
    assert [p.parent.name for p in spools] == [slug]


async def test_silences_stored_by_desktops_are_applied_ended_and_expired(db_dsn: str) -> None:
    """A silence row a desktop stores mutes the collector's alerts; an early end (who) and
    the expiry un-mute them; one stored while the collector was down applies at start."""
    await (await Store.open(db_dsn)).close()
    pool = await asyncpg.create_pool(db_dsn, min_size=1, max_size=2)
    desk = AlertStore(pool)  # what a desktop in client mode writes

    def silence(sid: str, seconds: float, **scope: str) -> Silence:
        now = datetime.now(UTC)
        return Silence(id=sid, created_by="trader", comment="known issue", created_at=now,
                       expires_at=now + timedelta(seconds=seconds), **scope)  # fmt: skip

    async with simulator() as (_sim, url):
        collector = await Collector.start(_config(db_dsn, url))
        try:
            m = collector.runtime.alerts

            def silenced_by() -> str | None:
                alert = m.get(BREAK_FP)
                return None if alert is None else alert.silenced_by

            await wait_for(lambda: m.get(BREAK_FP) is not None, "the breaking strategy's alert")
            await desk.add_silence(silence("s-strategy", 3600, strategy_id="beta-break"))
            await wait_for(lambda: silenced_by() == "s-strategy", "the silence applied")
            assert BREAK_FP not in {a.fingerprint for a in m.active()}  # off the banner
            await desk.end_silence("s-strategy", "trader-b", datetime.now(UTC))
            await wait_for(lambda: silenced_by() is None, "the early end applied")
            await collector.runtime.alert_persistence.flush()
            history = await desk.history(BREAK_FP)
            unsilenced = [h for h in history if h.change is AlertChange.UNSILENCED]
            assert unsilenced and unsilenced[-1].actor == "trader-b"

            # A rule-wide silence that expires by itself: the collector records the end.
            await desk.add_silence(silence("s-rule", 5.0, rule="drawdown"))
            await wait_for(lambda: silenced_by() == "s-rule", "the rule silence applied")
            await wait_for(lambda: silenced_by() is None, "the expiry applied")
            await wait_for_async(
                lambda: _count(db_dsn, "SELECT count(*) FROM alert_silences WHERE id = 's-rule'"
                               " AND ended_at = expires_at AND ended_by IS NULL"),
                1, "the expiry stored",
            )  # fmt: skip
        finally:
            await collector.stop()
        # Stored while no collector runs: muted as soon as the collector is back.
        await desk.add_silence(silence("s-offline", 3600, strategy_id="beta-break"))
        collector = await Collector.start(_config(db_dsn, url))
        try:
            alert = collector.runtime.alerts.get(BREAK_FP)
            assert alert is not None and alert.silenced_by == "s-offline"
        finally:
            await collector.stop()
    rows = await desk.silence_rows(["s-strategy", "s-offline"])
    ended = {r.silence.id: r.ended_by for r in rows if r.ended_at is not None}
    assert ended == {"s-strategy": "trader-b"}
    await pool.close()


async def _count(dsn: str, sql: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return int(await conn.fetchval(sql))
    finally:
        await conn.close()
