"""Webhook channel against a real HTTP server on loopback: delivery, retries, timeouts, drops."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from perfdesk.domain.alerts import AlertSettings
from perfdesk.domain.status import Status
from perfdesk.domain.verdict import RuleResult, Verdict
from perfdesk.services.alerts.channels import (
    ChannelDispatcher,
    Delivery,
    WebhookChannel,
)
from perfdesk.services.alerts.manager import AlertManager
from perfdesk.services.alerts.store import AlertPersistence
from perfdesk.services.store.store import Store

T0 = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


class Hook:
    """A loopback HTTP server: answers each POST with the next status in `plan`."""

    def __init__(self, plan: list[int], delay_s: float = 0.0) -> None:
        self.plan, self.delay_s = plan, delay_s
        self.bodies: list[dict] = []
        self.release = threading.Event()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                hook.bodies.append(body)
                if hook.delay_s:
                    hook.release.wait(hook.delay_s)
                status = hook.plan.pop(0) if hook.plan else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass  # the test asserts on `bodies`; no request log needed

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook?token=secret"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook() -> Iterator[Hook]:
    h = Hook([])
    yield h
    h.close()


def breach(m: AlertManager, sid: str, t: float = 0.0) -> None:
    result = RuleResult(rule="drawdown", status=Status.CRITICAL, message="deep drawdown")
    m.process([Verdict(strategy_id=sid, ts=T0, rules=(result,))], T0 + timedelta(seconds=t))


def manager() -> AlertManager:
    return AlertManager(AlertSettings(for_critical_s=0))


async def test_webhook_delivers_the_notification_as_json(hook: Hook) -> None:
    m = manager()
    done: list[Delivery] = []

    async def record(d: Delivery) -> None:
        done.append(d)

    dispatcher = ChannelDispatcher([WebhookChannel(hook.url)], on_delivery=record)
    dispatcher.start(m)
    breach(m, "s1")
    breach(m, "s1", 1)  # same alert, no second notification
    await dispatcher.flush()
    assert len(hook.bodies) == 1
    body = hook.bodies[0]
    assert (body["fingerprint"], body["severity"], body["change"]) == (
        "s1/drawdown",
        "critical",
        "fired",
    )
    assert "CRITICAL s1" in body["text"]
    assert [(d.ok, d.attempts) for d in done] == [(True, 1)]
    assert dispatcher.stats["webhook:127.0.0.1"].sent == 1
    await dispatcher.aclose()


async def test_webhook_retries_server_errors_then_succeeds() -> None:
    hook = Hook([500, 503])
    try:
        m = manager()
        dispatcher = ChannelDispatcher([WebhookChannel(hook.url)], backoff_s=(0.01, 0.02))
        dispatcher.start(m)
        breach(m, "s1")
        await dispatcher.flush()
        assert len(hook.bodies) == 3 and dispatcher.stats["webhook:127.0.0.1"].sent == 1
        await dispatcher.aclose()
    finally:
        hook.close()


async def test_a_hanging_webhook_times_out_and_never_blocks_alerting(
    caplog: pytest.LogCaptureFixture,
) -> None:
    hook = Hook([], delay_s=30)
    try:
        m = manager()
        dispatcher = ChannelDispatcher(
            [WebhookChannel(hook.url, timeout_s=0.2)],
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
        assert "no answer within 0.2 s" in (stats.last_error or "")
        assert "secret" not in caplog.text  # the URL's token is never logged
        await dispatcher.aclose()
    finally:
        hook.close()


async def test_deliveries_are_logged_in_the_database(store: Store, hook: Hook) -> None:
    m = manager()
    persistence = AlertPersistence(store.pool)
    await persistence.start(m, T0)
    dispatcher = ChannelDispatcher(
        [WebhookChannel(hook.url)],
        on_delivery=lambda d: persistence.store.record_delivery(
            d.channel, d.event, ok=d.ok, attempts=d.attempts, error=d.error
        ),
    )
    dispatcher.start(m)
    breach(m, "s1")
    await dispatcher.flush()
    rows = await persistence.store.deliveries()
    assert [(r["channel"], r["fingerprint"], r["ok"]) for r in rows] == [
        ("webhook:127.0.0.1", "s1/drawdown", True)
    ]
    await dispatcher.aclose()
    await persistence.aclose()


async def test_from_environment(monkeypatch: pytest.MonkeyPatch, hook: Hook) -> None:
    monkeypatch.setenv("PERFDESK_ALERT_WEBHOOK", hook.url)
    assert list(ChannelDispatcher.from_environment().stats) == ["webhook:127.0.0.1"]
    monkeypatch.setenv("PERFDESK_ALERT_WEBHOOK", "")
    monkeypatch.setattr("perfdesk.services.alerts.channels.get_secret", lambda _n: None)
    assert ChannelDispatcher.from_environment().stats == {}


def test_webhook_url_is_checked() -> None:
    with pytest.raises(ValueError, match="http:// or https://"):
        WebhookChannel("file:///etc/passwd")


async def test_an_unreachable_webhook_fails_cleanly() -> None:
    m = manager()
    dispatcher = ChannelDispatcher(
        [WebhookChannel("http://127.0.0.1:9/hook", timeout_s=1)], retries=0
    )
    dispatcher.start(m)
    breach(m, "s1")
    await asyncio.wait_for(dispatcher.flush(), 10)
    assert dispatcher.stats["webhook:127.0.0.1"].failed == 1
    await dispatcher.aclose()
