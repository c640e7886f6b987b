"""The collector (in-process, real simulator and PostgreSQL) sends its alerts through the
channels: one configured in the database (Settings › Notifications) whose URL is in the
collector's environment, and one from the environment alone."""

from __future__ import annotations

from collections.abc import Iterator

import asyncpg
import pytest
from collector_helpers import simulator, wait_for

from perfdesk.services.alerts.channels.config import ChannelKind
from perfdesk.services.alerts.channels.store import ChannelConfigStore
from perfdesk.services.collector.service import Collector, CollectorConfig
from perfdesk.services.store.store import Store
from tests.services.channel_servers import AlertmanagerTarget, HttpTarget


@pytest.fixture
def am() -> Iterator[AlertmanagerTarget]:
    server = AlertmanagerTarget()
    yield server
    server.close()


@pytest.fixture
def hook() -> Iterator[HttpTarget]:
    server = HttpTarget()
    yield server
    server.close()


async def test_the_collector_notifies_alertmanager_and_a_webhook(
    db_dsn: str, am: AlertmanagerTarget, hook: HttpTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = await Store.open(db_dsn)  # migrates
    try:  # a desktop stored the channel; its URL lives on the collector's host only
        await store.pool.execute(
            "INSERT INTO alert_channels (name, kind) VALUES ('ops', 'alertmanager')"
        )
        [ops] = await ChannelConfigStore(store.pool).list()
        assert (ops.id, ops.kind) == (1, ChannelKind.ALERTMANAGER)
    finally:
        await store.close()
    monkeypatch.setenv("PERFDESK_ALERT_CHANNEL_1", am.url(""))  # the URL, on the collector
    monkeypatch.setenv("PERFDESK_ALERT_WEBHOOK", hook.url())
    monkeypatch.setenv("PERFDESK_DESK", "desk-eu")
    async with simulator() as (_sim, url):
        collector = await Collector.start(
            CollectorConfig(dsn=db_dsn, engine_url=url, heartbeat_s=0.2, name="c1")
        )
        try:
            await wait_for(lambda: len(am.requests) > 0 and len(hook.requests) > 0, "messages")
            await collector.runtime.alert_channels.flush()
        finally:
            await collector.stop()
    assert am.invalid == []
    posted = am.alerts()[0]
    assert posted["labels"]["desk"] == "desk-eu" and posted["labels"]["strategy"]
    assert hook.requests[0].json()["kind"] == "firing"  # type: ignore[index]
    conn = await asyncpg.connect(db_dsn)
    try:
        channels = {r["channel"] for r in await conn.fetch("SELECT channel FROM alert_deliveries")}
    finally:
        await conn.close()
    assert {"ops", "webhook:127.0.0.1"} <= channels
