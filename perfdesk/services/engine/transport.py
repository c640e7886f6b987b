"""May a credential travel to this engine URL? (pure; the engine client asks before connecting)

A bearer token or a userinfo password sent over plain `ws://` can be read by anyone on
the path. perfdesk refuses that unless the host is this machine (loopback) or the user
said `--insecure` (`PERFDESK_INSECURE=1`): then it connects, logs a warning and the
status bar says the link is unencrypted.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from urllib.parse import urlsplit

INSECURE_ENV = "PERFDESK_INSECURE"
"""Set to 1 by `--insecure`: allow a credential over ws:// to a non-loopback host."""


@dataclass(frozen=True, slots=True)
class TransportCheck:
    """`refused`: why not to connect at all; `insecure`: connect, but say it is unencrypted."""

    refused: str | None = None
    insecure: bool = False


def insecure_allowed() -> bool:
    return os.environ.get(INSECURE_ENV, "").strip().lower() in ("1", "true", "yes")


def is_loopback(host: str) -> bool:
    """True for localhost names and loopback addresses (127.0.0.0/8, ::1)."""
    name = host.strip("[]").rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check(url: str, *, has_token: bool, insecure: bool) -> TransportCheck:
    """Whether to connect to `url` with the credentials it would carry."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        sends_secret = has_token or parts.password is not None
    except ValueError:
        return TransportCheck()  # unparsable: the connection attempt reports it
    if has_token and parts.username is not None:
        # The URL's user:password becomes a Basic Authorization header next to the
        # token's Bearer one: a server reads one of the two, and which is not ours to say.
        return TransportCheck(
            refused="the engine URL carries a user:password and a token is set too: give one"
        )
    if parts.scheme != "ws" or not sends_secret or is_loopback(host):
        return TransportCheck()
    if insecure:
        return TransportCheck(insecure=True)
    return TransportCheck(
        refused=(
            f"refused to send the engine token over unencrypted ws:// to {host}: "
            "use wss://, or --insecure (PERFDESK_INSECURE=1) to send it anyway"
        )
    )
