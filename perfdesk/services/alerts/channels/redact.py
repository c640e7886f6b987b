"""Keep channel secrets (tokens inside URLs) out of every log line and error message.

Chat and push URLs embed their tokens (`tgram://BOT_TOKEN/CHAT`, a Slack webhook path,
`mailto://user:password@host`). Libraries log them: httpx at INFO ("HTTP Request: POST
<url>"), Apprise and urllib3 at DEBUG. `register(url)` remembers the URL's secret parts;
`redact(text)` replaces them by `***`; `install()` puts a filter doing that on the loggers
of those libraries and on the dispatcher's.
"""

from __future__ import annotations

import logging
import threading
from urllib.parse import parse_qsl, unquote, urlsplit

MASK = "***"
MIN_FRAGMENT = 6
"""Shorter path/query parts are not treated as secrets (ports, `hook`, `v1`…)."""
LOGGERS = (
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "apprise",
    "urllib3.connectionpool",
    "qasync._QThreadWorker",
    "qasync.QThreadExecutor",
    "perfdesk.services.alerts.channels.dispatcher",
)
"""A logger's filters see only records logged on it (not its children): named one by one."""


class _Registry:
    """The secret fragments seen so far (longest first), replaced as a whole under a lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.fragments: tuple[str, ...] = ()


_registry = _Registry()


def fragments_of(url: str) -> set[str]:
    """The URL itself and every part of it that may be a credential."""
    found = {url, url.split("://", 1)[-1]}
    try:
        parts = urlsplit(url)
        netloc_tokens = [parts.username, parts.password] if "@" in parts.netloc else []
        host = parts.netloc.rsplit("@", 1)[-1].split(":", 1)[0]
    except ValueError:
        return found
    found.update(t for t in netloc_tokens if t)
    if host and not _is_plain_host(host):
        found.add(host)  # e.g. tgram://<bot token>/…: the "host" is the token
    found.update(s for s in parts.path.split("/") if len(s) >= MIN_FRAGMENT)
    found.update(v for _k, v in parse_qsl(parts.query) if len(v) >= MIN_FRAGMENT)
    if parts.query:
        found.add(parts.query)
    found |= {unquote(f) for f in found}
    return {f for f in found if f}


def _is_plain_host(host: str) -> bool:
    """A host name or address, not a token: has a dot, or is localhost."""
    return "." in host or host in ("localhost", "") or host.startswith("[")


def register(url: str) -> None:
    """Remember `url`'s secret parts; longest first so a URL is masked before its parts."""
    with _registry.lock:
        merged = set(_registry.fragments) | fragments_of(url)
        _registry.fragments = tuple(sorted(merged, key=len, reverse=True))


def redact(text: str) -> str:
    for fragment in _registry.fragments:
        if fragment in text:
            text = text.replace(fragment, MASK)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites a record's message with every registered secret masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _registry.fragments:
            message = record.getMessage()
            masked = redact(message)
            if masked != message:
                record.msg, record.args = masked, None
        return True


_FILTER = RedactingFilter()


def install() -> None:
    """Add the filter to the loggers that may see channel URLs (idempotent)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
