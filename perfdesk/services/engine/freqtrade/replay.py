"""ReplayServer: a loopback Freqtrade API server replaying a recorded session.

A real HTTP + WebSocket server (aiohttp) on 127.0.0.1 speaking the paths, auth and
payloads of freqtrade's API server (`/api/v1/show_config`, `/token/login`, `/status`,
`/trades`, `/balance`, `/profit`, `/message/ws?token=`), with the bot's state taken from
a session's steps (tests/fixtures/freqtrade/session.json, recorded by freqtrade's own
code: scripts/fixtures/freqtrade_session.py). `advance()` moves to the next step and
sends its WebSocket messages to subscribed clients. Used by the tests and
`perfdesk bench sources`.
"""

from __future__ import annotations

import base64
import copy
import json
import secrets
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web

FIXTURE = Path(__file__).parents[4] / "tests" / "fixtures" / "freqtrade" / "session.json"
"""The recorded session (in a source checkout)."""


def load_session(path: Path = FIXTURE) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return doc


class ReplayServer:
    def __init__(
        self, session: dict[str, Any] | None = None, *, user: str = "ft", password: str = "pw"
    ) -> None:
        self.session = copy.deepcopy(session or load_session())
        self.step = 0
        self.user, self.password = user, password
        self.jwt = secrets.token_hex(8)
        self.refuse_ws = False
        """Answer the WebSocket with 403 whatever the token (a bot that revoked it)."""
        self.sockets: list[web.WebSocketResponse] = []
        self.subscriptions: list[list[str]] = []
        self.requests: list[str] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def state(self) -> dict[str, Any]:
        step: dict[str, Any] = self.session["steps"][self.step]
        return step

    async def start(self, port: int = 0) -> str:
        app = web.Application()
        r = app.router
        r.add_get("/api/v1/show_config", self._json(lambda: self.session["show_config"]))
        r.add_get("/api/v1/balance", self._json(lambda: self.state["balance"]))
        r.add_get("/api/v1/profit", self._json(lambda: self.state["profit"]))
        r.add_get("/api/v1/status", self._json(lambda: self.state["open_trades"]))
        r.add_get("/api/v1/trades", self._trades)
        r.add_post("/api/v1/token/login", self._login)
        r.add_get("/api/v1/message/ws", self._ws)
        self._runner = web.AppRunner(app, access_log=None)  # the ws token is in URLs
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return f"freqtrade+http://{self.user}@127.0.0.1:{self.port}"

    async def stop(self) -> None:
        await self.drop()
        if self._runner is not None:
            await self._runner.cleanup()

    async def advance(self) -> None:
        """The next step: new trades in REST, its messages on every WebSocket."""
        self.step += 1
        for raw in self.state["ws"]:
            await self.send(raw)

    async def send(self, raw: str) -> None:
        for ws in list(self.sockets):
            if not ws.closed:
                await ws.send_str(raw)

    async def drop(self) -> None:
        """Close every WebSocket (the bot restarting its API server)."""
        for ws in list(self.sockets):
            await ws.close()
        self.sockets.clear()

    # -- handlers ------------------------------------------------------------------------
    def _authorized(self, request: web.Request) -> bool:
        given = request.headers.get("Authorization", "")
        basic = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        return secrets.compare_digest(given, f"Basic {basic}") or secrets.compare_digest(
            given, f"Bearer {self.jwt}"
        )

    def _json(self, body: Any) -> Any:
        async def handler(request: web.Request) -> web.Response:
            self.requests.append(request.path)
            if not self._authorized(request):
                return web.json_response({"detail": "Unauthorized"}, status=401)
            return web.json_response(body())

        return handler

    async def _trades(self, request: web.Request) -> web.Response:
        self.requests.append(request.path)
        if not self._authorized(request):
            return web.json_response({"detail": "Unauthorized"}, status=401)
        limit, offset = int(request.query.get("limit", 500)), int(request.query.get("offset", 0))
        closed = list(self.state["closed_trades"])
        if request.query.get("order_by_id", "true").lower() == "false":
            closed.sort(key=lambda t: t["close_timestamp"], reverse=True)
        else:
            closed.sort(key=lambda t: t["trade_id"])
        page = closed[offset : offset + limit]
        return web.json_response(
            {
                "trades": page,
                "trades_count": len(page),
                "offset": offset,
                "total_trades": len(closed),
            }
        )

    async def _login(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"detail": "Unauthorized"}, status=401)
        return web.json_response({"access_token": self.jwt, "refresh_token": "r"})

    async def _ws(self, request: web.Request) -> web.StreamResponse:
        if self.refuse_ws or request.query.get("token") != self.jwt:
            raise web.HTTPForbidden()
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        async for msg in ws:
            if msg.type is WSMsgType.TEXT:
                doc = json.loads(msg.data)
                if doc.get("type") == "subscribe":
                    self.subscriptions.append(doc["data"])
        return ws
