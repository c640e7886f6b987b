"""Two desktop clients (client-mode backends) and one real collector process on one database.

The LiveView each client publishes is what its window reads, so the assertions are on it:
an alert fired by the collector appears on both clients; an ack on one clears it on the
other; a threshold saved on one is seen by the other within 1 s; a killed collector shows
"collector offline" on both, which recover by themselves when it is restarted; a second
collector for the same engine is refused.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from collector_helpers import CollectorProcess, simulator, wait_for

from perfdesk.bench.storage import synthetic_events
from perfdesk.domain.alerts import Alert
from perfdesk.domain.events import StrategyInfo
from perfdesk.domain.status import FeedState
from perfdesk.domain.thresholds import DrawdownThresholds, Thresholds
from perfdesk.services.client.mode import ClientRuntime
from perfdesk.services.client.strategies import ClientStrategies
from perfdesk.services.store.config_store import ConfigStore
from perfdesk.services.store.store import Store

BREAK_FP = Alert.fingerprint_of("beta-break", "drawdown")


@asynccontextmanager
async def client(dsn: str) -> AsyncIterator[ClientRuntime]:
    store = await Store.open(dsn)
    runtime = ClientRuntime(store, dsn, offline_after_s=1.0)
    try:
        await runtime.start()
        yield runtime
    finally:
        await runtime.stop()
        await store.close()


def banner(c: ClientRuntime, now: datetime | None = None) -> list[Alert]:
    """What the banner shows: the published alerts that need attention."""
    now = now or datetime.now(UTC)
    return [a for a in c.published.alerts if a.needs_attention(now)]


def shows(c: ClientRuntime, fingerprint: str) -> bool:
    return any(a.fingerprint == fingerprint for a in banner(c))


def live_equity(c: ClientRuntime, strategy_id: str) -> bool:
    snap = c.published.snapshots.get(strategy_id)
    return snap is not None and snap.equity is not None and snap.feed is FeedState.LIVE


def offline_shown(c: ClientRuntime) -> bool:
    return any(a.rule == "collector" for a in banner(c))


async def test_two_clients_and_a_collector(db_dsn: str, tmp_path: Path) -> None:
    await (await Store.open(db_dsn)).close()  # schema in place before anyone listens
    async with simulator() as (_sim, url), client(db_dsn) as a, client(db_dsn) as b:
        assert offline_shown(a) and not a.collector_online()  # no collector yet
        collector = CollectorProcess(db_dsn, url, tmp_path / "collector.log", "--name", "c1")
        try:
            # An alert fired by the collector appears on both clients.
            await wait_for(lambda: shows(a, BREAK_FP) and shows(b, BREAK_FP), "alert on both")
            assert a.collector_online() and b.collector_online()
            assert not offline_shown(a)
            await wait_for(lambda: live_equity(b, "beta-break"), "B's snapshot from equity rows")
            # Both desktops pop up what the collector notified (the tray reads notices).
            for c in (a, b):
                assert BREAK_FP in {n.event.alert.fingerprint for n in c.alerts.notices_after(0)}

            # An ack on A clears it on B (through the collector and the database).
            a.alerts.ack(BREAK_FP, "trader-a", "looking at it")
            assert not shows(a, BREAK_FP)  # at once on A (optimistic)
            await wait_for(lambda: not shows(b, BREAK_FP), "ack seen on B")
            acked = b.alerts.get(BREAK_FP)
            assert acked is not None and acked.acked_by == "trader-a"

            # A threshold change on B is seen by A within 1 s.
            seen: list[list[str]] = []
            a.threshold_listeners.append(seen.append)
            new = Thresholds(drawdown=DrawdownThresholds(warning_ratio=1.5, critical_ratio=2.5))
            await ConfigStore(b.store).save("alpha-healthy", new, "trader-b")
            await wait_for(lambda: a.thresholds.version("alpha-healthy") == 1, "on A", 1.0)
            assert a.thresholds.thresholds_for("alpha-healthy") == new
            assert seen == [["alpha-healthy"]]

            # A second collector for the same engine is refused.
            second = CollectorProcess(db_dsn, url, tmp_path / "second.log", "--name", "c2")
            assert await second.wait() == 3
            assert "another collector is already collecting" in second.log_text()
            assert "'c1'" in second.log_text()

            # Killed collector: both clients show "collector offline" ...
            await collector.kill()
            await wait_for(lambda: offline_shown(a) and offline_shown(b), "offline on both")
            assert "collector offline" in a.status_text()
            snap = a.published.snapshots["alpha-healthy"]
            assert snap.feed is FeedState.DISCONNECTED
            # ... and recover without a restart when it comes back.
            collector = CollectorProcess(db_dsn, url, tmp_path / "again.log", "--name", "c1")
            await wait_for(
                lambda: not offline_shown(a) and not offline_shown(b), "recovered on both"
            )
            assert a.collector_online() and b.collector_online()
            await wait_for(lambda: live_equity(a, "alpha-healthy"), "live feed again")
        finally:
            if collector.proc.poll() is None:
                assert await collector.terminate() == 0
        # A clean stop (SIGTERM) is shown at once, and logged as structured JSON.
        await wait_for(
            lambda: any("c1 was stopped" in x.message for x in banner(a)), "stop shown on A"
        )
        assert "collector offline: c1" in a.status_text()
        assert '"msg": "collector stopped"' in collector.log_text()


async def test_snapshots_resume_the_whole_history_from_rollups(store: Store) -> None:
    """A desktop opened late sees the drawdown of the full history (rollups), not only of
    the rows it read, and then every new row exactly once."""
    events = list(synthetic_events("s1", 20_000, step_s=60.0, fill_every=0))  # ~14 days
    await store.upsert_strategy(StrategyInfo(strategy_id="s1", name="S1", status="active"))
    await store.write_events(events[:15_000])
    strategies = ClientStrategies(store)
    await strategies.load_strategies()
    await strategies.load_equity()
    equity = np.array([e.equity for e in events[:15_000]])
    expected_dd = float(np.max(1.0 - equity / np.maximum.accumulate(equity)))
    snap = strategies.snapshots()["s1"]
    assert snap.equity == equity[-1]
    # Daily/minute closes miss intra-bar lows, so the seeded drawdown is at most the raw one.
    assert 0.5 * expected_dd <= snap.max_drawdown <= expected_dd + 1e-12
    await store.write_events(events[15_000:])
    await strategies.load_equity(["s1"])
    await strategies.load_equity(["s1"])  # nothing new: nothing fed twice
    assert strategies.snapshots()["s1"].equity == events[-1].equity
    assert len(strategies.snapshots()["s1"].chart_t) > 100


async def test_silences_and_alert_settings_are_shared(db_dsn: str, tmp_path: Path) -> None:
    """A silence set on desktop A is applied by the real collector and seen on B; ended on
    B, the alert is back on A; one that expires is ended by the collector for everyone.
    Alert settings saved on A reach the collector and B without a restart."""
    await (await Store.open(db_dsn)).close()
    async with simulator() as (_sim, url), client(db_dsn) as a, client(db_dsn) as b:
        collector = CollectorProcess(db_dsn, url, tmp_path / "collector.log", "--name", "c1")
        try:
            await wait_for(lambda: shows(a, BREAK_FP) and shows(b, BREAK_FP), "alert on both")
            until = datetime.now(UTC) + timedelta(hours=1)
            made = a.alerts.add_silence(
                strategy_id="beta-break", rule=None, until=until, who="trader-a", comment="known"
            )
            assert not shows(a, BREAK_FP)  # at once on A (optimistic)
            await wait_for(lambda: stored_silenced_by(b) == made.id, "applied by the collector")
            assert not shows(b, BREAK_FP)
            assert [s.id for s in b.alerts.silences()] == [made.id]
            assert b.alerts.silences()[0].created_by == "trader-a"

            b.alerts.end_silence(made.id, "trader-b")
            assert shows(b, BREAK_FP) and not b.alerts.silences()  # at once on B
            await wait_for(lambda: stored_silenced_by(a) is None, "the end applied for A")
            await wait_for(lambda: shows(a, BREAK_FP), "the alert back on A")
            assert not a.alerts.silences()

            # A rule-wide silence that expires: the collector ends it for everyone.
            soon = datetime.now(UTC) + timedelta(seconds=8)  # ample on a loaded machine
            short = b.alerts.add_silence(strategy_id=None, rule="drawdown", until=soon, who="b")
            await wait_for(lambda: stored_silenced_by(a) == short.id, "rule silence on A")
            await wait_for(lambda: stored_silenced_by(a) is None and shows(a, BREAK_FP), "expired")
            assert not a.alerts.silences() and not b.alerts.silences()
            conn_rows = await a.store.pool.fetch(
                "SELECT id, ended_at, ended_by FROM alert_silences"
            )
            ended = {r["id"]: r["ended_by"] for r in conn_rows if r["ended_at"] is not None}
            assert ended == {made.id: "trader-b", short.id: None}  # None: expired

            # Alert settings saved on A: the collector applies them, B shows them.
            saved = await a.alert_settings.save({"keep_firing_s": 15}, "trader-a", "calmer")
            await wait_for(lambda: b.alert_settings.current.version == saved.version, "on B")
            assert b.alert_settings.settings.keep_firing_s == 15
            await wait_for(
                lambda: f"alert settings v{saved.version} in force" in collector.log_text(),
                "applied by the collector",
            )
        finally:
            assert await collector.terminate() == 0


def stored_silenced_by(c: ClientRuntime) -> str | None:
    """The alert row as the collector wrote it (before this desktop's overlay)."""
    row = c.alerts._rows.get(BREAK_FP)
    return None if row is None else row.silenced_by


async def test_a_beating_collector_whose_validator_stalled_is_shown_as_not_judging(
    db_dsn: str,
) -> None:
    """A collector that beats but no longer completes validation cycles is not healthy:
    desktops show it like a missing heartbeat, with the reason (never blind)."""
    import json

    import asyncpg

    async with client(db_dsn) as c:
        conn = await asyncpg.connect(db_dsn)
        try:
            beat = (
                "INSERT INTO collector_heartbeats (collector_id, engine, strategies, host, pid,"
                " db_pid, started_at, beat_at, feed_state, stats)"
                " VALUES ('desk-1', 'ws://e', '{*}', 'h', 1, 1, now(), now(), 'live', $1::jsonb)"
                " ON CONFLICT (collector_id) DO UPDATE SET beat_at = now(), stats = EXCLUDED.stats"
            )
            stalled = {"validator_ok": False, "validation_age_s": 12.5, "failing_tasks": []}
            await conn.execute(beat, json.dumps(stalled))

            def not_judging() -> list[str]:
                return [a.message for a in banner(c) if "not judging" in a.message]

            await wait_for(lambda: bool(not_judging()), "the stalled collector shown", 10)
            assert "desk-1" in not_judging()[0] and "12.5" in not_judging()[0]
            healthy = {"validator_ok": True, "validation_age_s": 0.1, "failing_tasks": []}
            for _ in range(20):  # keep beating, healthy again
                await conn.execute(beat, json.dumps(healthy))
                if not offline_shown(c):
                    break
                await asyncio.sleep(0.2)
            assert not offline_shown(c)
        finally:
            await conn.close()
