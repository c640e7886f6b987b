"""The channel base and the webhook against a real HTTP server on loopback: delivery,
retries, timeouts, drops, resolve messages, filters, the delivery log, secrets."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from perfdesk.domain.status import Status
from perfdesk.services.alerts.channels import (
    ChannelDispatcher,
    ChannelFilter,
    Delivery,
    Kind,
    WebhookChannel,
)
from perfdesk.services.alerts.channels import config as channel_config
from perfdesk.services.alerts.channels.service import dispatcher_from_environment
from perfdesk.services.alerts.manager import AlertManager
from perfdesk.services.alerts.store import AlertPersistence
from perfdesk.services.store.store import Store
from tests.services.channel_servers import HttpTarget, manager, verdict

T0 = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
TOKEN = "s3cr3t-T0KEN"


@pytest.fixture
def hook() -> Iterator[HttpTarget]:
    target = HttpTarget()
    yield target
    target.close()


def breach(m: AlertManager, sid: str, t: float = 0.0, status: Status = Status.CRITICAL) -> None:
    m.process([verdict(sid, status, T0)], T0 + timedelta(seconds=t))


def clear(m: AlertManager, sid: str, t: float) -> None:
    m.process([verdict(sid, Status.OK, T0, value=0.02)], T0 + timedelta(seconds=t))


async def test_webhook_delivers_what_a_trader_needs(hook: HttpTarget) -> None:
    m = manager()
    done: list[Delivery] = []

    async def record(d: Delivery) -> None:
        done.append(d)

    dispatcher = ChannelDispatcher([WebhookChannel(hook.url())], on_delivery=record)
    dispatcher.start(m)
    breach(m, "s1")
    breach(m, "s1", 1)  # same alert, no second notification
    await dispatcher.flush()
    assert len(hook.requests) == 1
    body = hook.requests[0].json()
    assert isinstance(body, dict)
    assert (body["fingerprint"], body["severity"], body["change"], body["kind"]) == (
        "s1/drawdown", "critical", "fired", "firing",
    )  # fmt: skip
    assert body["text"].startswith("[perfdesk] CRITICAL · s1 · Drawdown")
    assert (body["value"], body["limit"], body["unit"]) == (0.124, 0.10, "fraction")
    assert "Value: 12.40% vs limit 10.00%" in body["body"]
    assert "Since: 2026-01-05 09:30:00 UTC" in body["body"]
    assert "Acknowledge in perfdesk › Alerts" in body["body"]
    assert hook.requests[0].headers["Content-Type"] == "application/json"
    assert [(d.ok, d.attempts, d.kind) for d in done] == [(True, 1, Kind.FIRING)]
    assert dispatcher.stats["webhook:127.0.0.1"].sent == 1
    await dispatcher.aclose()


async def test_a_resolve_message_follows_a_notified_alert_only(hook: HttpTarget) -> None:
    m = manager()
    dispatcher = ChannelDispatcher([WebhookChannel(hook.url())])
    dispatcher.start(m)
    breach(m, "s1")
    clear(m, "s1", 5)
    breach(m, "quiet", 0)
    m.ack("quiet/drawdown", "ann", "on it", T0)
    await dispatcher.flush()
    kinds = [(r.json()["fingerprint"], r.json()["kind"]) for r in hook.requests]  # type: ignore[index]
    assert kinds == [
        ("s1/drawdown", "firing"), ("s1/drawdown", "resolved"), ("quiet/drawdown", "firing"),
    ]  # fmt: skip
    # the acked alert resolves after its notification: its resolve is news too
    clear(m, "quiet", 6)
    await dispatcher.flush()
    assert hook.requests[-1].json()["kind"] == "resolved"  # type: ignore[index]
    resolved = next(r.json() for r in hook.requests if r.json()["kind"] == "resolved")  # type: ignore[index]
    assert resolved["text"].startswith("[perfdesk] RESOLVED · s1 · Drawdown")
    assert "resolved 2026-01-05 09:30:05 UTC" in resolved["body"]
    await dispatcher.aclose()


async def test_filters_by_severity_and_strategy_pattern(hook: HttpTarget) -> None:
    m = manager()
    only_eu_critical = WebhookChannel(
        hook.url(), filter=ChannelFilter(Status.CRITICAL, ("eu_*",)), name="eu"
    )
    dispatcher = ChannelDispatcher([only_eu_critical])
    dispatcher.start(m)
    breach(m, "eu_1", status=Status.WARNING)  # too mild
    breach(m, "us_1")  # other desk
    breach(m, "eu_2")
    clear(m, "us_1", 3)  # never told about it: no resolve either
    await dispatcher.flush()
    assert [r.json()["fingerprint"] for r in hook.requests] == ["eu_2/drawdown"]  # type: ignore[index]
    breach(m, "eu_1", 4)  # escalates to critical: now it qualifies
    await dispatcher.flush()
    assert hook.requests[-1].json()["fingerprint"] == "eu_1/drawdown"  # type: ignore[index]
    await dispatcher.aclose()


async def test_webhook_retries_server_errors_then_succeeds() -> None:
    hook = HttpTarget([500, 503])
    try:
        m = manager()
        dispatcher = ChannelDispatcher([WebhookChannel(hook.url())], backoff_s=(0.01, 0.02))
        dispatcher.start(m)
        breach(m, "s1")
        await dispatcher.flush()
        stats = dispatcher.stats["webhook:127.0.0.1"]
        assert len(hook.requests) == 3 and stats.sent == 1 and stats.failed == 0
        await dispatcher.aclose()
    finally:
        hook.close()


async def test_a_hanging_webhook_times_out_and_never_blocks_alerting(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    hook = HttpTarget(delay_s=30)
    try:
        m = manager()
        dispatcher = ChannelDispatcher(
            [WebhookChannel(hook.url(), timeout_s=0.2)],
            retries=1,
            backoff_s=(0.01, 0.01),
            queue_size=3,
        )
        dispatcher.start(m)
        for i in range(50):  # the pipeline keeps going while the channel is stuck
            breach(m, f"s{i}")
        assert len(m.active()) == 50
        await dispatcher.flush()
        stats = dispatcher.stats["webhook:127.0.0.1"]
        assert stats.failed == 3 and stats.dropped == 47 and stats.sent == 0
        assert stats.drop_reasons == {"queue full: oldest dropped": 47}
        assert "no answer within 0.2 s" in (stats.last_error or "")
        assert TOKEN not in caplog.text  # httpx logs request URLs: masked
        assert "/hook?token" not in caplog.text
        await dispatcher.aclose()
    finally:
        hook.close()


async def test_deliveries_are_logged_in_the_database(store: Store, hook: HttpTarget) -> None:
    m = manager()
    persistence = AlertPersistence(store.pool)
    await persistence.start(m, T0)
    dispatcher = ChannelDispatcher(
        [WebhookChannel(hook.url())],
        on_delivery=lambda d: persistence.store.record_delivery(
            d.channel, d.event, ok=d.ok, attempts=d.attempts, error=d.error
        ),
    )
    dispatcher.start(m)
    breach(m, "s1")
    clear(m, "s1", 2)
    await dispatcher.flush()
    rows = await persistence.store.deliveries()
    assert [(r["channel"], r["fingerprint"], r["change"], r["ok"]) for r in rows] == [
        ("webhook:127.0.0.1", "s1/drawdown", "resolved", True),
        ("webhook:127.0.0.1", "s1/drawdown", "fired", True),
    ]
    await dispatcher.aclose()
    await persistence.aclose()


async def test_a_restart_resolves_what_was_notified_before(hook: HttpTarget) -> None:
    first = manager()
    breach(first, "s1")  # notified by the process before the restart
    second = manager()
    second.load(first.alerts())
    dispatcher = ChannelDispatcher([WebhookChannel(hook.url())])
    dispatcher.start(second)
    clear(second, "s1", 9)
    await dispatcher.flush()
    assert [r.json()["kind"] for r in hook.requests] == ["resolved"]  # type: ignore[index]
    await dispatcher.aclose()


async def test_from_environment(monkeypatch: pytest.MonkeyPatch, hook: HttpTarget) -> None:
    monkeypatch.setattr(
        channel_config, "get_secret", lambda n: hook.url() if n == "alert_webhook" else None
    )
    assert list(dispatcher_from_environment().stats) == ["webhook:127.0.0.1"]
    monkeypatch.setattr(channel_config, "get_secret", lambda _n: None)
    assert dispatcher_from_environment().stats == {}


def test_a_bad_url_is_refused_without_echoing_it(caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(ValueError, match="http:// or https://") as info:
        WebhookChannel("file:///etc/passwd")
    assert "passwd" not in str(info.value)


async def test_an_unreachable_webhook_fails_cleanly() -> None:
    m = manager()
    dispatcher = ChannelDispatcher(
        [WebhookChannel("http://127.0.0.1:9/hook", timeout_s=1)], retries=0
    )
    dispatcher.start(m)
    breach(m, "s1")
    await asyncio.wait_for(dispatcher.flush(), 10)
    stats = dispatcher.stats["webhook:127.0.0.1"]
    assert stats.failed == 1 and "ConnectError" in (stats.last_error or "")
    await dispatcher.aclose()


async def test_send_test_reports_the_outcome_at_once(hook: HttpTarget) -> None:
    dispatcher = ChannelDispatcher([])
    ok = await dispatcher.send_test(WebhookChannel(hook.url()))
    assert ok.ok and ok.kind is Kind.TEST
    assert hook.requests[0].json()["text"].startswith("[perfdesk] TEST")  # type: ignore[index]
    failing = HttpTarget([404])
    try:
        bad = await dispatcher.send_test(WebhookChannel(failing.url()))
        assert not bad.ok and bad.error == "HTTP 404: busy"
    finally:
        failing.close()
