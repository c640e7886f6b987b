"""ChangeFeed and the NOTIFY triggers (0300, 0101, 0102) on a real PostgreSQL: small
payloads, coalesced, resync after a reconnect, a failing handler never stops the feed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from collector_helpers import wait_for

from perfdesk.bench.storage import synthetic_events
from perfdesk.domain.alerts import Silence
from perfdesk.domain.status import Status
from perfdesk.domain.thresholds import Thresholds
from perfdesk.domain.verdict import RuleResult, Verdict
from perfdesk.services.alerts.store import AlertStore
from perfdesk.services.collector.actions import request_action
from perfdesk.services.store import notify
from perfdesk.services.store.config_store import AlertSettingsStore, ConfigStore
from perfdesk.services.store.store import Store


class Recorder:
    def __init__(self, fail_first: int = 0) -> None:
        self.batches: list[notify.Changes] = []
        self._fail = fail_first

    async def __call__(self, changes: notify.Changes) -> None:
        if self._fail:
            self._fail -= 1
            raise RuntimeError("handler failed on purpose")
        self.batches.append(changes)

    def payloads(self, channel: str) -> set[str]:
        return set().union(*(b.get(channel) for b in self.batches))

    def count(self, channel: str, payload: str) -> int:
        return sum(payload in b.get(channel) for b in self.batches)


def _verdict(sid: str) -> Verdict:
    rule = RuleResult(rule="drawdown", status=Status.OK, message="fine")
    return Verdict(strategy_id=sid, ts=datetime.now(UTC), rules=(rule,))


async def test_triggers_notify_small_payloads_on_every_channel(store: Store, db_dsn: str) -> None:
    rec = Recorder()
    feed = notify.ChangeFeed(db_dsn, notify.CHANNELS, rec)
    await feed.start()
    try:
        await wait_for(lambda: any(b.resync for b in rec.batches), "the first resync batch")
        await store.write_events(list(synthetic_events("s1", 500, fill_every=7, status_every=50)))
        await store.save_verdict(_verdict("s1"))
        await ConfigStore(store).save(None, Thresholds(), "risk")
        await request_action(store.pool, actor="a", action="ack", fingerprint="s1/x",
                             strategy_id="s1")  # fmt: skip
        await store.pool.execute(
            "INSERT INTO collector_heartbeats (collector_id, engine, strategies, host, pid,"
            " started_at, beat_at, feed_state) VALUES ('c9', 'ws://e', '{*}', 'h', 1, now(),"
            " now(), 'live')"
        )
        await store.pool.execute(
            "INSERT INTO alerts (fingerprint, strategy_id, rule, severity, state, message,"
            " started_at, updated_at) VALUES ('s1/x', 's1', 'x', 'warning', 'firing', 'm',"
            " now(), now())"
        )
        await AlertSettingsStore(store.pool).save({"for_warning_s": 2}, "risk")
        now = datetime.now(UTC)
        silence = Silence(id="sil1", strategy_id="s1", created_by="a", created_at=now,
                          expires_at=now + timedelta(hours=1))  # fmt: skip
        await AlertStore(store.pool).add_silence(silence)
        expected = {
            notify.INGEST: {"s1"}, notify.VERDICT: {"s1"}, notify.THRESHOLDS: {"*"},
            notify.ACTION: {"s1"}, notify.HEARTBEAT: {"c9"}, notify.ALERT: {"s1/x"},
            notify.ALERT_SETTINGS: {"1"}, notify.SILENCE: {"sil1"},
        }  # fmt: skip
        await wait_for(lambda: all(rec.payloads(c) == p for c, p in expected.items()), "all")
        # 500 events in one transaction notified the strategy once, not 500 times.
        assert rec.count(notify.INGEST, "s1") == 1
    finally:
        await feed.stop()


async def test_bursts_are_coalesced_into_few_batches(store: Store, db_dsn: str) -> None:
    rec = Recorder()
    feed = notify.ChangeFeed(db_dsn, [notify.VERDICT], rec, coalesce_s=0.05)
    await feed.start()
    try:
        await wait_for(lambda: bool(rec.batches), "the first resync batch")
        for i in range(200):
            await store.save_verdict(_verdict(f"s{i % 4}"))
        # Each save is committed when awaited; its notification reaches the listener a
        # little later, so wait for all of them rather than assume they are there.
        await wait_for(lambda: feed.stats.notifications == 200, "every notification")
        await wait_for(lambda: rec.payloads(notify.VERDICT) == {"s0", "s1", "s2", "s3"}, "burst")
        assert len(rec.batches) < 50  # 200 notifications, far fewer handler calls
    finally:
        await feed.stop()


async def test_reconnects_and_resyncs_after_losing_its_connection(
    store: Store, db_dsn: str
) -> None:
    rec = Recorder()
    feed = notify.ChangeFeed(db_dsn, [notify.VERDICT], rec, keepalive_s=0.5, backoff_s=(0.05, 0.2))
    await feed.start()
    try:
        await wait_for(lambda: len(rec.batches) == 1, "the first resync batch")
        killed = await store.pool.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE application_name = 'perfdesk-listen' AND datname = current_database()"
        )
        assert killed == 1
        await wait_for(lambda: feed.stats.connects == 2, "the reconnect")
        await wait_for(lambda: sum(b.resync for b in rec.batches) == 2, "a resync batch")
        await store.save_verdict(_verdict("after"))
        await wait_for(lambda: "after" in rec.payloads(notify.VERDICT), "news after reconnect")
    finally:
        await feed.stop()


async def test_a_failing_handler_gets_a_resync_and_the_feed_goes_on(
    store: Store, db_dsn: str
) -> None:
    rec = Recorder(fail_first=1)  # the first (resync) batch fails
    feed = notify.ChangeFeed(db_dsn, [notify.VERDICT], rec, backoff_s=(0.05, 0.2))
    await feed.start()
    try:
        await wait_for(lambda: any(b.resync for b in rec.batches), "the resync after a failure")
        assert feed.stats.handler_errors == 1
        await store.save_verdict(_verdict("x"))
        await wait_for(lambda: "x" in rec.payloads(notify.VERDICT), "later news")
    finally:
        await feed.stop()


async def test_start_fails_clearly_when_the_database_is_unreachable(tmp_path: object) -> None:
    feed = notify.ChangeFeed("postgresql://nobody@127.0.0.1:1/none", [notify.VERDICT], Recorder())
    with pytest.raises(OSError) as caught:  # nothing listens on port 1: refused
        await asyncio.wait_for(feed.start(), 10)
    assert isinstance(caught.value, ConnectionRefusedError) or "refused" in str(caught.value)
    assert not isinstance(caught.value, TimeoutError)  # failed at once, did not hang
