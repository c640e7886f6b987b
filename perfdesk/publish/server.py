"""ProtocolServer: a protocol-v1 websocket server over per-strategy frame histories.

What every engine that serves perfdesk needs, shared by the publisher library
(publish/publisher.py) and the simulator (sim/server.py): bearer-token auth, TLS, one
`Session` per client (hello, strategy frames, resume from the history, batches,
heartbeats, errors), and faults on demand for tests (`drop_connections`, `stall`,
`inject`). A subclass owns the channels (one per strategy) and calls `wake()` when
it appended frames to their histories.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import ssl as ssl_lib
from collections.abc import Sequence
from http import HTTPStatus

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.http11 import Request, Response

from perfdesk.publish.faults import FaultConfig
from perfdesk.publish.session import Channel, Draws, Session

log = logging.getLogger(__name__)
_ws_log = logging.getLogger("perfdesk.publish.wire")
_ws_log.setLevel(logging.INFO)  # websockets logs request headers (the token) at DEBUG


class ProtocolServer:
    """Serves `channels` over protocol v1. `await start()` returns its ws(s):// URL."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
        ssl: ssl_lib.SSLContext | None = None,
        heartbeat_s: float = 1.0,
        engine_id: str = "perfdesk-publisher",
        faults: FaultConfig | None = None,
    ) -> None:
        self.host, self.port, self.heartbeat_s, self.engine_id = host, port, heartbeat_s, engine_id
        self.faults = faults or FaultConfig()
        self._token, self._ssl = token, ssl
        self.channels: list[Channel] = []
        self._by_id: dict[str, Channel] = {}
        self.sessions: set[Session] = set()
        self._server: Server | None = None
        self._stalled_until = 0.0
        self.malformed_sent = 0
        """Malformed frames injected by the malformed fault (all sessions)."""
        self.url = ""

    # -- channels -----------------------------------------------------------------
    def set_channels(self, channels: Sequence[Channel]) -> None:
        by_id = {c.strategy_id: c for c in channels}
        if len(by_id) != len(channels):
            raise ValueError("strategy ids must be unique")
        self.channels, self._by_id = list(channels), by_id

    def add_channel(self, channel: Channel) -> None:
        if channel.strategy_id in self._by_id:
            raise ValueError(f"strategy {channel.strategy_id!r} is already served")
        self.channels.append(channel)
        self._by_id[channel.strategy_id] = channel

    def channel(self, strategy_id: str) -> Channel:
        return self._by_id[strategy_id]

    def has_channel(self, strategy_id: str) -> bool:
        return strategy_id in self._by_id

    @property
    def strategy_ids(self) -> list[str]:
        return list(self._by_id)

    def wake(self) -> None:
        """New frames are in the histories: every session streams them."""
        for s in self.sessions:
            s.wakeup.set()

    # -- lifecycle ----------------------------------------------------------------
    async def start(self) -> str:
        """Listen; returns the URL clients connect to."""
        self._server = await serve(
            self._handle,
            self.host,
            self.port,
            process_request=self._authorize,
            compression=None,
            ssl=self._ssl,
            max_size=2**20,
            logger=_ws_log,
        )
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"{'wss' if self._ssl else 'ws'}://{self.host}:{port}"
        return self.url

    async def stop(self) -> None:
        """Close every connection and the listening socket."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    # -- faults on demand -----------------------------------------------------------
    def drop_connections(self) -> int:
        """Abort every client connection (no close handshake); returns how many."""
        return sum(s.abort() for s in list(self.sessions))

    def stall(self, seconds: float) -> None:
        """Send nothing at all (not even heartbeats) for `seconds` of wall time."""
        loop = asyncio.get_running_loop()
        self._stalled_until = max(self._stalled_until, loop.time() + seconds)

    def unstall(self) -> None:
        """End a stall now (frames and heartbeats flow again)."""
        self._stalled_until = 0.0

    def stalled_for(self) -> float:
        """Seconds the stall still lasts (0 when not stalled)."""
        if not self._stalled_until:
            return 0.0
        return max(0.0, self._stalled_until - asyncio.get_running_loop().time())

    async def inject(self, raw: str | bytes) -> None:
        """Send one raw frame (e.g. a malformed one) to every connected client."""
        for s in list(self.sessions):
            await s.ws.send(raw)

    # -- internals ------------------------------------------------------------------
    def _authorize(self, conn: ServerConnection, request: Request) -> Response | None:
        if self._token is None:
            return None
        given = request.headers.get("Authorization", "")
        if hmac.compare_digest(given.encode(), f"Bearer {self._token}".encode()):
            return None
        return conn.respond(HTTPStatus.UNAUTHORIZED, "missing or wrong bearer token\n")

    def _draws(self) -> Draws | None:
        """The random draws of a new session's faults (None: no faults)."""
        return None

    async def _handle(self, ws: ServerConnection) -> None:
        session = Session(self, ws, self._draws())
        self.sessions.add(session)
        try:
            await session.serve()
        finally:
            self.sessions.discard(session)
