"""Find, strip and redact the secrets a URL can carry (pure; no I/O, no logging).

A URL carries a secret in its userinfo password (`wss://user:secret@host`) or in a
query parameter named like one (`?password=…`, `?token=…`, `?api_key=…`, `?secret=…`,
`?sig=…`, anything ending in `_token`, `_secret`, `_key`, `password`). Anything written
(settings files) or logged goes through `split()` or `redact()` first.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, quote_plus, unquote, urlencode, urlsplit, urlunsplit

REDACTED = "***"
USERINFO = "password"
"""The name `split()` gives a userinfo password."""
_SECRET_NAMES = frozenset(
    {
        "password",
        "passwd",
        "pwd",
        "pass",
        "token",
        "key",
        "apikey",
        "api_key",
        "secret",
        "auth",
        "sig",
        "signature",
        "credential",
        "credentials",
        "sslpassword",
    }
)
_SECRET_ENDINGS = ("password", "token", "secret", "_key", "apikey")


@dataclass(frozen=True, slots=True)
class SplitUrl:
    """The URL without its secrets, and the secrets by name (query name or 'password')."""

    clean: str
    secrets: dict[str, str]


def is_secret_name(name: str) -> bool:
    key = name.strip().lower().replace("-", "_")
    return key in _SECRET_NAMES or key.endswith(_SECRET_ENDINGS)


def split(url: str) -> SplitUrl:
    """`url` without any userinfo password or secret query parameter, and those values."""
    return _rebuild(url, redact_with=None)


def redact(url: str) -> str:
    """`url` with every secret value replaced by ***, safe for logs and messages."""
    return _rebuild(url, redact_with=REDACTED).clean


def has_secrets(url: str) -> bool:
    return bool(split(url).secrets)


def scrub(text: str, url: str) -> str:
    """`text` (an error message, say) with every secret value of `url` replaced by ***."""
    for value in split(url).secrets.values():
        for form in {value, quote(value, safe=""), quote_plus(value)}:
            if form:
                text = text.replace(form, REDACTED)
    return text


def _rebuild(url: str, *, redact_with: str | None) -> SplitUrl:
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:  # an unparsable URL (bad port, brackets): say nothing of it
        return SplitUrl("<unparsable URL>" if redact_with else url, {})
    found: dict[str, str] = {}
    netloc = parts.netloc
    if password is not None:
        found[USERINFO] = unquote(password)
        userinfo, _, host = netloc.rpartition("@")
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:{redact_with}@{host}" if redact_with else f"{user}@{host}"
    kept: list[tuple[str, str]] = []
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if is_secret_name(name):
            found[name] = value
            if redact_with:
                kept.append((name, redact_with))
        else:
            kept.append((name, value))
    if not found:
        return SplitUrl(url, {})
    query = urlencode(kept, safe="*") if kept else ""
    return SplitUrl(urlunsplit(parts._replace(netloc=netloc, query=query)), found)
