"""The engine token never travels unencrypted to another host unless the user says
--insecure, and no URL secret reaches the log — against a real websocket server."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket

import pytest
from collector_helpers import wait_for
from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from perfdesk.domain.status import FeedState
from perfdesk.services.engine import transport
from perfdesk.services.engine.backoff import Backoff
from perfdesk.services.engine.recorder import RecordingHandler
from perfdesk.services.engine.ws_client import EngineClient

TOKEN = "tok-very-secret-123"


@pytest.mark.parametrize(
    ("url", "token", "insecure", "refused", "flag"),
    [
        ("ws://engine.example:9000/feed", True, False, True, False),
        ("ws://engine.example:9000/feed", True, True, False, True),
        ("ws://user:pw@10.0.0.5/feed", False, False, True, False),
        ("ws://engine.example:9000/feed", False, False, False, False),
        ("wss://engine.example:9000/feed", True, False, False, False),
        ("ws://127.0.0.1:9000/feed", True, False, False, False),
        ("ws://127.8.9.1:9000/feed", True, False, False, False),
        ("ws://[::1]:9000/feed", True, False, False, False),
        ("ws://localhost:9000/feed", True, False, False, False),
        ("ws://desk.localhost/feed", True, False, False, False),
        ("ws://localhost.evil.example/feed", True, False, True, False),
        ("ws://[fd00::2]:9000/feed", True, False, True, False),
    ],
)
def test_the_decision(url, token, insecure, refused, flag) -> None:
    check = transport.check(url, has_token=token, insecure=insecure)
    assert (check.refused is not None, check.insecure) == (refused, flag)
    if refused:
        assert "wss://" in (check.refused or "") and "--insecure" in (check.refused or "")


async def test_a_url_password_and_a_token_together_are_refused_before_connecting() -> None:
    """Both would go as Authorization headers (Basic and Bearer): refused, not guessed."""
    engine = Engine()
    async with engine.running("127.0.0.1") as port:
        url = f"ws://desk:pw@127.0.0.1:{port}/feed"
        client = EngineClient(url, RecordingHandler(), token=TOKEN, insecure=False)
        await _run_until(client, lambda: client.stats.last_error is not None)
        await asyncio.sleep(0.2)  # a connection, if one were made, would be recorded
    assert engine.requests == []
    assert "user:password and a token" in (client.stats.last_error or "")


def test_the_environment_stands_for_the_flag(monkeypatch) -> None:
    monkeypatch.delenv(transport.INSECURE_ENV, raising=False)
    assert not transport.insecure_allowed()
    monkeypatch.setenv(transport.INSECURE_ENV, "1")
    assert transport.insecure_allowed()


def _client_log(caplog) -> str:
    """What the client side logged (the test server's own debug log shows headers)."""
    return "\n".join(r.getMessage() for r in caplog.records if r.name != "websockets.server")


def _own_address() -> str | None:
    """This machine's non-loopback IPv4 address (reachable here without a network)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # no packet is sent for a UDP connect
        except OSError:
            return None
        address: str = s.getsockname()[0]
    return None if address.startswith("127.") else address


class Engine:
    """A websocket server that records each handshake's headers and answers 401."""

    def __init__(self) -> None:
        self.requests: list[Headers] = []

    def reject(self, conn: ServerConnection, request: Request) -> Response:
        self.requests.append(request.headers)
        return conn.respond(401, "no\n")

    @contextlib.asynccontextmanager
    async def running(self, host: str):
        async def never(ws: ServerConnection) -> None:  # handshakes are all rejected
            await ws.close()

        async with serve(never, host, 0, process_request=self.reject) as server:
            yield server.sockets[0].getsockname()[1]


async def _run_until(client: EngineClient, done) -> None:
    task = asyncio.create_task(client.run())
    try:
        await wait_for(done, "the client to get there", limit_s=30.0)
    finally:
        await client.stop()
        await task


async def test_a_token_to_another_host_over_ws_is_refused_without_a_connection(caplog) -> None:
    own = _own_address()
    if own is None:
        pytest.skip("no non-loopback address on this machine")
    engine = Engine()
    async with engine.running("0.0.0.0") as port:
        url = f"ws://{own}:{port}/feed"
        handler = RecordingHandler()
        client = EngineClient(url, handler, token=TOKEN, insecure=False)
        with caplog.at_level(logging.DEBUG):
            await _run_until(client, lambda: client.stats.last_error is not None)
            await asyncio.sleep(0.2)  # a connection, if one were made, would be recorded
        assert engine.requests == []
        assert "refused to send the engine token over unencrypted ws://" in (
            client.stats.last_error or ""
        )
        assert FeedState.CONNECTING not in handler.states and not client.stats.insecure
        # --insecure: it connects, sends the token and says the link is unencrypted
        client = EngineClient(
            url, handler, token=TOKEN, insecure=True, backoff=Backoff(base_s=1, cap_s=1)
        )
        await _run_until(client, lambda: bool(engine.requests))
        assert engine.requests[0]["Authorization"] == f"Bearer {TOKEN}"
        assert client.stats.insecure
    assert TOKEN not in _client_log(caplog)


async def test_loopback_gets_the_token_and_the_log_never_shows_url_secrets(caplog) -> None:
    engine = Engine()
    async with engine.running("127.0.0.1") as port:
        url = f"ws://desk:pw-secret-456@127.0.0.1:{port}/feed?token={TOKEN}&strategy=a"
        client = EngineClient(url, RecordingHandler(), insecure=False)
        with caplog.at_level(logging.DEBUG):
            await _run_until(client, lambda: client.stats.last_error is not None)
        sent = engine.requests[0].get_all("Authorization")
        assert len(sent) == 1 and sent[0].startswith("Basic ")
        assert client.stats.last_error == "refused the connection: HTTP 401"
        bare = EngineClient(
            f"ws://127.0.0.1:{port}/feed", RecordingHandler(), token=TOKEN, insecure=False
        )
        with caplog.at_level(logging.DEBUG):
            await _run_until(bare, lambda: bare.stats.last_error is not None)
        assert engine.requests[1].get_all("Authorization") == [f"Bearer {TOKEN}"]
    logged = _client_log(caplog)
    assert f"ws://desk:***@127.0.0.1:{port}/feed?token=***&strategy=a" in logged
    assert TOKEN not in logged and "pw-secret-456" not in logged
    assert client.shown_url.endswith("token=***&strategy=a")


async def test_a_lost_link_error_names_no_secret(caplog) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"ws://127.0.0.1:{port}/feed?token={TOKEN}"
    client = EngineClient(url, RecordingHandler(), backoff=Backoff(base_s=1, cap_s=1))
    with caplog.at_level(logging.DEBUG):
        await _run_until(client, lambda: client.stats.last_error is not None)
    assert (client.stats.last_error or "").startswith("link lost")
    assert TOKEN not in caplog.text and TOKEN not in (client.stats.last_error or "")


def test_the_insecure_flag_of_gui_and_collect_allows_it(monkeypatch) -> None:
    import argparse

    from perfdesk.commands._common import add_connection_arguments

    monkeypatch.delenv(transport.INSECURE_ENV, raising=False)
    url = "ws://engine.example:9000/feed"
    assert EngineClient(url, RecordingHandler(), token=TOKEN).transport_check().refused
    parser = argparse.ArgumentParser()
    add_connection_arguments(parser)
    assert parser.parse_args(["--insecure"]).insecure is True
    client = EngineClient(url, RecordingHandler(), token=TOKEN)
    assert client.transport_check() == transport.TransportCheck(insecure=True)
