"""Apprise channels against real loopback targets: json:// and form:// on HTTP, mailto://
on an SMTP server (aiosmtpd) — delivery, retries, a hanging target, resolve messages,
and no token in any log line."""

from __future__ import annotations

import email
import email.policy
import logging
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from perfdesk.domain.status import Status
from perfdesk.services.alerts.channels import AppriseChannel, ChannelDispatcher, ChannelFilter
from perfdesk.services.alerts.manager import AlertManager
from tests.services.channel_servers import HttpTarget, manager, verdict

T0 = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
TOKEN = "Zq8TOKENx1234567"
PASSWORD = "pa55w0rd-XYZ-secret"


def breach(m: AlertManager, sid: str, status: Status = Status.CRITICAL) -> None:
    m.process([verdict(sid, status, T0)], T0)


def clear(m: AlertManager, sid: str) -> None:
    m.process([verdict(sid, Status.OK, T0, value=0.02)], T0 + timedelta(seconds=7))


@pytest.fixture
def target() -> Iterator[HttpTarget]:
    server = HttpTarget()
    yield server
    server.close()


async def test_json_target_gets_title_body_and_type(target: HttpTarget) -> None:
    m = manager()
    channel = AppriseChannel(f"json://127.0.0.1:{target.port}/notify/{TOKEN}")
    assert channel.name == "apprise:json"
    dispatcher = ChannelDispatcher([channel])
    dispatcher.start(m)
    breach(m, "s1")
    clear(m, "s1")
    await dispatcher.flush()
    firing, resolved = (r.json() for r in target.requests)
    assert isinstance(firing, dict) and isinstance(resolved, dict)
    assert target.requests[0].path == f"/notify/{TOKEN}"
    assert firing["title"] == "[perfdesk] CRITICAL · s1 · Drawdown"
    assert firing["type"] == "failure"
    for line in (
        "Strategy: s1",
        "Rule: Drawdown (drawdown)",
        "Value: 12.40% vs limit 10.00%",
        "Since: 2026-01-05 09:30:00 UTC",
        "Acknowledge in perfdesk › Alerts (select s1/drawdown",
    ):
        assert line in firing["message"]
    assert resolved["title"] == "[perfdesk] RESOLVED · s1 · Drawdown"
    assert resolved["type"] == "success"
    await dispatcher.aclose()


async def test_form_target_and_per_url_filters(target: HttpTarget) -> None:
    m = manager()
    critical_only = AppriseChannel(
        f"form://127.0.0.1:{target.port}/crit",
        name="pager",
        filter=ChannelFilter(Status.CRITICAL),
    )
    everything = AppriseChannel(f"json://127.0.0.1:{target.port}/all", name="chat")
    dispatcher = ChannelDispatcher([critical_only, everything])
    dispatcher.start(m)
    breach(m, "s1", Status.WARNING)
    await dispatcher.flush()
    assert [r.path for r in target.requests] == ["/all"]
    breach(m, "s1", Status.CRITICAL)  # escalation: both get it
    await dispatcher.flush()
    form = next(r for r in target.requests if r.path == "/crit").form()
    assert form["title"] == "[perfdesk] CRITICAL · s1 · Drawdown"
    assert "Value: 12.40% vs limit 10.00%" in form["message"]
    await dispatcher.aclose()


async def test_retries_then_gives_up_without_logging_the_token(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # Apprise and urllib3 log URLs at DEBUG
    failing = HttpTarget([500, 500, 500])
    try:
        m = manager()
        channel = AppriseChannel(f"json://127.0.0.1:{failing.port}/hook/{TOKEN}")
        dispatcher = ChannelDispatcher([channel], retries=2, backoff_s=(0.01, 0.01))
        dispatcher.start(m)
        breach(m, "s1")
        await dispatcher.flush()
        stats = dispatcher.stats["apprise:json"]
        assert len(failing.requests) == 3 and stats.failed == 1
        assert "error=500" in (stats.last_error or "")
        assert "apprise" in caplog.text.lower() and "gave up" in caplog.text
        assert TOKEN not in caplog.text
        await dispatcher.aclose()
    finally:
        failing.close()


async def test_a_hanging_target_times_out() -> None:
    hanging = HttpTarget(delay_s=30)
    try:
        m = manager()
        channel = AppriseChannel(f"json://127.0.0.1:{hanging.port}/x", timeout_s=0.5)
        dispatcher = ChannelDispatcher([channel], retries=0)
        dispatcher.start(m)
        breach(m, "s1")
        breach(m, "s2")  # the loop keeps working while Apprise's thread waits
        assert len(m.active()) == 2
        await dispatcher.flush()
        stats = dispatcher.stats["apprise:json"]
        assert stats.failed == 2 and stats.sent == 0
        await dispatcher.aclose()
    finally:
        hanging.close()


def test_an_unknown_url_is_refused_without_echoing_it(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ValueError, match="does not understand this nosuch://") as info:
        AppriseChannel(f"nosuch://{TOKEN}/chat")
    assert TOKEN not in str(info.value) and TOKEN not in caplog.text
    with pytest.raises(ValueError, match="scheme://"):
        AppriseChannel("just text")


class Mailbox:
    """An SMTP server on loopback that requires a login."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.arrived = threading.Event()
        box = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                box.messages.append(
                    email.message_from_bytes(envelope.content, policy=email.policy.default)
                )
                box.arrived.set()
                return "250 OK"

        def login(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
            ok = isinstance(data, LoginPassword) and data.password == PASSWORD.encode()
            return AuthResult(success=ok)

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(
            Handler(), hostname="127.0.0.1", port=self.port, authenticator=login,
            auth_require_tls=False,
        )  # fmt: skip
        self.controller.start()

    def url(self, password: str = PASSWORD) -> str:
        return (
            f"mailto://trader:{password}@127.0.0.1:{self.port}"
            "?from=desk@example.com&to=trader@example.com&mode=insecure"
        )


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    yield box
    box.controller.stop()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # aiosmtpd's own login_data
async def test_mailto_sends_an_email(mailbox: Mailbox, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    m = manager()
    dispatcher = ChannelDispatcher([AppriseChannel(mailbox.url(), name="mail")])
    dispatcher.start(m)
    breach(m, "s1")
    await dispatcher.flush()
    assert dispatcher.stats["mail"].sent == 1
    mail = mailbox.messages[0]
    assert mail["Subject"] == "[perfdesk] CRITICAL · s1 · Drawdown"
    text = next(p for p in mail.walk() if p.get_content_type() == "text/plain")
    assert "Value: 12.40% vs limit 10.00%" in text.get_payload(decode=True).decode()
    assert PASSWORD not in caplog.text
    await dispatcher.aclose()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
async def test_mailto_with_a_wrong_password_fails_without_logging_it(
    mailbox: Mailbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "wr0ng-PASSWORD-77"
    m = manager()
    dispatcher = ChannelDispatcher([AppriseChannel(mailbox.url(wrong))], retries=0)
    dispatcher.start(m)
    breach(m, "s1")
    await dispatcher.flush()
    assert dispatcher.stats["apprise:mailto"].failed == 1 and not mailbox.messages
    assert wrong not in caplog.text
    await dispatcher.aclose()
