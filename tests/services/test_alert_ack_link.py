"""Acknowledge from the channel: the signed link in a webhook message, a real endpoint on
loopback — opening it (as a chat preview does) acknowledges nothing, the button does; a
tampered, expired or outdated link is refused."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from perfdesk.domain.status import Status
from perfdesk.services.alerts.channels import ChannelDispatcher, WebhookChannel
from perfdesk.services.alerts.channels.ack_link import AckLinkError, AckLinks, AckSigner
from perfdesk.services.alerts.manager import AlertManager
from tests.services.channel_servers import HttpTarget, manager, verdict

T0 = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
FP = "s1/drawdown"


def test_tokens_are_signed_and_expire() -> None:
    signer = AckSigner(b"k" * 32, valid_s=60)
    token = signer.token(FP, 3, now=1000.0)
    assert signer.verify(token, now=1059.0) == (FP, 3)
    with pytest.raises(AckLinkError, match="expired"):
        signer.verify(token, now=1061.0)
    with pytest.raises(AckLinkError, match="not a perfdesk"):
        AckSigner(b"other" * 8).verify(token, now=1000.0)
    _body, mac = token.split(".")
    forged = AckSigner(b"x" * 32).token("s1/other", 3, now=1000.0).split(".")[0] + "." + mac
    with pytest.raises(AckLinkError, match="not a perfdesk"):
        signer.verify(forged, now=1000.0)
    with pytest.raises(AckLinkError):
        signer.verify("garbage", now=1000.0)


class Desk:
    def __init__(self, m: AlertManager, dispatcher: ChannelDispatcher, hook: HttpTarget) -> None:
        self.manager, self.dispatcher, self.hook = m, dispatcher, hook

    def breach(self, sid: str = "s1", status: Status = Status.CRITICAL, t: float = 0) -> None:
        self.manager.process([verdict(sid, status, T0)], T0 + timedelta(seconds=t))


@pytest.fixture
async def desk() -> AsyncIterator[Desk]:
    hook = HttpTarget()
    links = AckLinks(AckSigner(b"k" * 32), "http://127.0.0.1:0", ("127.0.0.1", 0))
    m = manager()
    dispatcher = ChannelDispatcher([WebhookChannel(hook.url())], ack_links=links)
    dispatcher.start(m)
    links.base_url = f"http://127.0.0.1:{links.port}"  # the public URL: loopback here
    yield Desk(m, dispatcher, hook)
    await dispatcher.aclose()
    hook.close()


async def test_the_link_acknowledges_with_the_button_only(
    desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    desk.breach()
    await desk.dispatcher.flush()
    body = desk.hook.requests[0].json()
    assert isinstance(body, dict)
    link = body["ack_url"]
    assert f"Acknowledge: {link}" in body["body"]
    async with httpx.AsyncClient() as client:
        page = await client.get(link)  # what a chat app's link preview does
        assert page.status_code == 200 and "Acknowledge s1/drawdown?" in page.text
        assert desk.manager.get(FP).acked_at is None  # type: ignore[union-attr]
        token = parse_qs(urlsplit(link).query)["t"][0]
        done = await client.post(link.split("?")[0], data={"t": token, "who": "ann"})
        assert done.status_code == 200 and "acknowledged by ann" in done.text
        again = await client.post(link.split("?")[0], data={"t": token})
        assert "already acknowledged by ann" in again.text
    alert = desk.manager.get(FP)
    assert alert is not None and alert.acked_by == "ann"
    assert alert.ack_comment == "acknowledged from a notification link"
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("perfdesk")]
    assert ours and not any(token in line for line in ours)  # (the test's client logs it)


async def test_an_outdated_or_tampered_link_acknowledges_nothing(desk: Desk) -> None:
    desk.breach()
    await desk.dispatcher.flush()
    link = desk.hook.requests[0].json()["ack_url"]  # type: ignore[index]
    token = parse_qs(urlsplit(link).query)["t"][0]
    desk.manager.process([verdict("s1", Status.OK, T0, value=0.01)], T0)  # resolves
    desk.breach(t=5)  # a new episode: the old link is for the old one
    async with httpx.AsyncClient() as client:
        base = link.split("?")[0]
        old = await client.post(base, data={"t": token})
        assert old.status_code == 410 and "nothing acknowledged" in old.text
        bad = await client.get(base, params={"t": token[:-2] + "AA"})
        assert bad.status_code == 400
    assert desk.manager.get(FP).acked_at is None  # type: ignore[union-attr]


async def test_resolve_messages_carry_no_link(desk: Desk) -> None:
    desk.breach()
    desk.manager.process([verdict("s1", Status.OK, T0, value=0.01)], T0)
    await desk.dispatcher.flush()
    kinds = [(r.json()["kind"], r.json()["ack_url"] is None) for r in desk.hook.requests]  # type: ignore[index]
    assert kinds == [("firing", False), ("resolved", True)]


def test_configured_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("perfdesk.services.alerts.channels.ack_link.get_secret", lambda _n: None)
    assert AckLinks.from_environment() is None  # no key: no links
    monkeypatch.setattr("perfdesk.services.alerts.channels.ack_link.get_secret", lambda _n: "k")
    monkeypatch.setenv("PERFDESK_ALERT_ACK_URL", "https://desk.example:9465/")
    monkeypatch.setenv("PERFDESK_ALERT_ACK_LISTEN", "0.0.0.0:9500")
    links = AckLinks.from_environment()
    assert links is not None and links.listen == ("0.0.0.0", 9500)
    assert links.url_for(FP, 1).startswith("https://desk.example:9465/ack?t=")
    monkeypatch.setenv("PERFDESK_ALERT_ACK_LISTEN", "9500x")
    with pytest.raises(ValueError, match="host:port"):
        AckLinks.from_environment()


async def test_a_taken_port_turns_links_off_not_alerting(caplog: pytest.LogCaptureFixture) -> None:
    hook = HttpTarget()
    try:
        taken = ("127.0.0.1", hook.port)
        links = AckLinks(AckSigner(b"k" * 32), "http://x", taken)
        dispatcher = ChannelDispatcher([WebhookChannel(hook.url())], ack_links=links)
        m = manager()
        dispatcher.start(m)
        m.process([verdict("s1", Status.CRITICAL, T0)], T0)
        await dispatcher.flush()
        assert hook.requests[0].json()["ack_url"] is None  # type: ignore[index]
        assert "acknowledgement links off: cannot listen" in caplog.text
        await dispatcher.aclose()
    finally:
        hook.close()
