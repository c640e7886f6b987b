"""Acknowledge from the channel: a signed link in each message, served by a tiny endpoint.

With a key (secret `alert_ack_key`: PERFDESK_ALERT_ACK_KEY or the keyring) and the
public base URL the trader's phone can reach (PERFDESK_ALERT_ACK_URL, e.g.
`https://desk-collector.internal:9465`), every FIRING message carries
`<base>/ack?t=<token>`. The token names one alert episode, expires (24 h) and is signed
(HMAC-SHA256), so it acknowledges that alert and nothing else. Opening the link shows a
page with a button; only the POST acknowledges — chat apps fetch links for previews, and a
preview must not acknowledge anything. The endpoint listens on PERFDESK_ALERT_ACK_LISTEN
(default 127.0.0.1:9465: put a TLS proxy in front to expose it) in a thread of its own
and applies the ack on the backend loop.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import html
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from perfdesk.domain.alerts import AlertState
from perfdesk.services.alerts.manager import AlertManager
from perfdesk.services.support.secrets import get_secret

log = logging.getLogger(__name__)
KEY_SECRET = "alert_ack_key"
URL_ENV = "PERFDESK_ALERT_ACK_URL"
LISTEN_ENV = "PERFDESK_ALERT_ACK_LISTEN"
VALID_S = 24 * 3600
COMMENT = "acknowledged from a notification link"


class AckLinkError(ValueError):
    """A link that cannot acknowledge (tampered, expired, or the alert moved on)."""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class AckSigner:
    key: bytes
    valid_s: float = VALID_S

    def token(self, fingerprint: str, episode: int, now: float | None = None) -> str:
        expires = int((now if now is not None else time.time()) + self.valid_s)
        payload = f"{fingerprint}|{episode}|{expires}".encode()
        return f"{_b64(payload)}.{_b64(self._mac(payload))}"

    def verify(self, token: str, now: float | None = None) -> tuple[str, int]:
        """(fingerprint, episode) of a genuine, unexpired token; AckLinkError otherwise."""
        try:
            body, mac = token.split(".", 1)
            payload = _unb64(body)
            fingerprint, episode, expires = payload.decode().rsplit("|", 2)
            good = hmac.compare_digest(_unb64(mac), self._mac(payload))
        except (ValueError, UnicodeDecodeError) as exc:
            raise AckLinkError("this link is not a perfdesk acknowledgement link") from exc
        if not good:
            raise AckLinkError("this link is not a perfdesk acknowledgement link")
        if int(expires) < (now if now is not None else time.time()):
            raise AckLinkError("this link has expired: acknowledge in perfdesk › Alerts")
        return fingerprint, int(episode)

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self.key, payload, hashlib.sha256).digest()[:16]


def acknowledge(manager: AlertManager, fingerprint: str, episode: int, who: str) -> str:
    """Ack on the manager's loop; the message for the page. AckLinkError if moved on."""
    alert = manager.get(fingerprint)
    if alert is None or alert.episode != episode or alert.state is AlertState.RESOLVED:
        raise AckLinkError("this alert has resolved or fired again since: nothing acknowledged")
    if alert.acked_at is not None:
        return f"{fingerprint} was already acknowledged by {alert.acked_by}."
    manager.ack(fingerprint, who, COMMENT)
    return f"{fingerprint} acknowledged by {who}."


class AckLinks:
    """The links for messages, and the endpoint that honours them (start/stop on the loop)."""

    def __init__(self, signer: AckSigner, base_url: str, listen: tuple[str, int]) -> None:
        self.signer, self.base_url, self.listen = signer, base_url.rstrip("/"), listen
        self._server: ThreadingHTTPServer | None = None
        self.port: int | None = None

    @classmethod
    def from_environment(cls) -> AckLinks | None:
        key, base = get_secret(KEY_SECRET), os.environ.get(URL_ENV, "").strip()
        if not key or not base:
            return None
        listen = os.environ.get(LISTEN_ENV, "127.0.0.1:9465")
        host, _, port = listen.rpartition(":")
        if not port.isdigit():
            raise ValueError(f"{LISTEN_ENV} must be host:port, got {listen!r}")
        return cls(AckSigner(key.encode()), base, (host or "127.0.0.1", int(port)))

    def url_for(self, fingerprint: str, episode: int) -> str:
        return f"{self.base_url}/ack?t={self.signer.token(fingerprint, episode)}"

    def start(self, manager: AlertManager) -> int:
        loop = asyncio.get_running_loop()

        def ack(fingerprint: str, episode: int, who: str) -> str:
            async def on_loop() -> str:
                return acknowledge(manager, fingerprint, episode, who)

            return asyncio.run_coroutine_threadsafe(on_loop(), loop).result(timeout=10)

        self._server = ThreadingHTTPServer(self.listen, _handler(self.signer, ack))
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        threading.Thread(target=self._server.serve_forever, name="ack-links", daemon=True).start()
        log.info("acknowledgement links served on %s:%d", self.listen[0], self.port)
        return self.port

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


Ack = Callable[[str, int, str], str]


def _handler(signer: AckSigner, ack: Ack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            token = parse_qs(urlsplit(self.path).query).get("t", [""])[0]
            try:
                fingerprint, _episode = signer.verify(token)
            except AckLinkError as exc:
                self._page(400, str(exc))
                return
            self._page(200, f"Acknowledge {fingerprint}?", form=token)

        def do_POST(self) -> None:
            length = min(int(self.headers.get("Content-Length", 0)), 4096)
            form = parse_qs(self.rfile.read(length).decode(errors="replace"))
            who = (form.get("who", [""])[0].strip() or "notification link")[:60]
            try:
                fingerprint, episode = signer.verify(form.get("t", [""])[0])
                self._page(200, ack(fingerprint, episode, who))
            except AckLinkError as exc:
                self._page(410, str(exc))

        def _page(self, status: int, text: str, form: str | None = None) -> None:
            body = f"<!doctype html><title>perfdesk</title><p>{html.escape(text)}</p>"
            if form is not None:
                body += (
                    '<form method="post"><input type="hidden" name="t" value="'
                    f'{html.escape(form)}"><label>Your name <input name="who"></label> '
                    "<button>Acknowledge</button></form>"
                )
            raw = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, format: str, *args: object) -> None:
            log.debug("ack link: %s %s", self.command, urlsplit(self.path).path)  # no token

    return Handler
