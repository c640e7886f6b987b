"""A small client of Freqtrade's REST API (`/api/v1/...`), aiohttp, Basic auth or JWT."""

from __future__ import annotations

import base64
import ssl as ssl_lib
from collections.abc import AsyncIterator, Mapping
from typing import Any
from urllib.parse import quote, urlsplit

import aiohttp

PAGE = 500
"""Closed trades per `/trades` page."""


class RestError(Exception):
    """The API answered with an error status, or not with JSON."""


def split_url(url: str, token: str | None) -> tuple[str, str | None, str | None]:
    """`freqtrade+http://user@host:port` -> (`http://host:port`, user, password).

    The password is the configured engine token (never in the URL or settings); a token
    of the form `user:password` carries both when the URL names no user."""
    parts = urlsplit(url.split("+", 1)[1] if url.lower().startswith("freqtrade+") else url)
    user, password = parts.username, token
    if user is None and token and ":" in token:
        user, password = token.split(":", 1)
    base = f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return base + parts.path.rstrip("/"), user, password


class FreqtradeRest:
    def __init__(
        self,
        base: str,
        user: str | None,
        password: str | None,
        *,
        ssl: ssl_lib.SSLContext | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        self.base = base
        basic = base64.b64encode(f"{user}:{password or ''}".encode()).decode()
        self._auth = {"Authorization": f"Basic {basic}"} if user else {}
        self._ssl = ssl
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._client: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        """The HTTP session, made on first use (on the loop that uses it)."""
        if self._client is None or self._client.closed:
            self._client = aiohttp.ClientSession(timeout=self._timeout)
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()

    async def get(self, path: str, **params: Any) -> Any:
        url = f"{self.base}/api/v1/{path}"
        async with self._http().get(
            url, params=params or None, headers=self._auth, ssl=self._ssl or True
        ) as resp:
            return await _json(resp, path)

    async def login(self) -> str | None:
        """A JWT for the WebSocket (`/token/login`), None without credentials."""
        if not self._auth:
            return None
        url = f"{self.base}/api/v1/token/login"
        async with self._http().post(url, headers=self._auth, ssl=self._ssl or True) as resp:
            doc = await _json(resp, "token/login")
        token = doc.get("access_token") if isinstance(doc, Mapping) else None
        if not isinstance(token, str):
            raise RestError("token/login answered without an access_token")
        return token

    def ws_url(self, token: str | None) -> str:
        ws = "wss" + self.base[5:] if self.base.startswith("https") else "ws" + self.base[4:]
        return f"{ws}/api/v1/message/ws" + (f"?token={quote(token)}" if token else "")

    async def open_ws(self, token: str | None) -> aiohttp.ClientWebSocketResponse:
        """The message WebSocket; errors never carry its URL (the token is in it)."""
        try:
            return await self._http().ws_connect(
                self.ws_url(token), ssl=self._ssl or True, heartbeat=20.0, max_msg_size=1 << 20
            )
        except aiohttp.WSServerHandshakeError as exc:
            raise RestError(f"message/ws: HTTP {exc.status}") from None

    async def closed_trades_since(self, since_ms: int) -> AsyncIterator[Mapping[str, Any]]:
        """Closed trades, newest close first, until one closed before `since_ms`."""
        offset = 0
        while True:
            doc = await self.get("trades", limit=PAGE, offset=offset, order_by_id="false")
            trades = doc.get("trades") if isinstance(doc, Mapping) else None
            if not isinstance(trades, list):
                raise RestError("trades: the answer has no 'trades' list")
            for trade in trades:
                yield trade
            oldest = trades[-1].get("close_timestamp") if trades else None
            if len(trades) < PAGE or (isinstance(oldest, int) and oldest < since_ms):
                return
            offset += len(trades)


async def _json(resp: aiohttp.ClientResponse, path: str) -> Any:
    if resp.status >= 400:
        raise RestError(f"{path}: HTTP {resp.status}")
    try:
        return await resp.json(content_type=None)
    except ValueError as exc:
        raise RestError(f"{path}: not JSON ({exc})") from None
