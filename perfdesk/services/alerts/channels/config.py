"""Channel settings (what Settings › Notifications edits) and building channels from them.

A `ChannelConfig` holds everything but the URL; the URL is a secret kept in the OS
keyring or the environment under `secret_name` (`alert_channel_<id>`, env
`PERFDESK_ALERT_CHANNEL_<ID>`). Channels also come straight from the environment:
`PERFDESK_ALERT_WEBHOOK` (one URL), `PERFDESK_ALERT_APPRISE` (URLs separated by
whitespace), `PERFDESK_ALERT_ALERTMANAGER` (its base URL) — or the keyring entries of
those names.
"""

from __future__ import annotations

import logging
import re
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from perfdesk.domain.status import Status
from perfdesk.services.alerts.channels.alertmanager import AlertmanagerChannel
from perfdesk.services.alerts.channels.apprise_channel import AppriseChannel
from perfdesk.services.alerts.channels.base import AlertChannel, ChannelFilter
from perfdesk.services.alerts.channels.webhook import WebhookChannel
from perfdesk.services.support.secrets import get_secret

log = logging.getLogger(__name__)

WEBHOOK_SECRET = "alert_webhook"
APPRISE_SECRET = "alert_apprise"
ALERTMANAGER_SECRET = "alert_alertmanager"
_PATTERN = re.compile(r"^[A-Za-z0-9_.:*?\[\]-]{1,64}$")


class ChannelKind(StrEnum):
    WEBHOOK = "webhook"
    APPRISE = "apprise"
    ALERTMANAGER = "alertmanager"


class ChannelConfig(BaseModel):
    """One configured channel; its URL is not here (see `secret_name`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: int | None = None
    name: str = Field(min_length=1, max_length=60, title="Name")
    kind: ChannelKind = Field(title="Kind")
    min_severity: Status = Field(Status.WARNING, title="Minimum severity")
    strategies: tuple[str, ...] = Field((), title="Strategies (empty: all)")
    enabled: bool = True
    send_resolved: bool = True
    timeout_s: float = Field(10.0, gt=0, le=120, title="Timeout (s)")
    resend_every_s: float = Field(60.0, ge=5, le=3600, title="Re-send every (s)")
    generator_url: str | None = None

    @field_validator("name")
    @classmethod
    def _printable(cls, value: str) -> str:
        value = value.strip()
        if not value or not value.isprintable():
            raise ValueError("a name needs printable characters")
        return value

    @field_validator("min_severity")
    @classmethod
    def _breach_level(cls, value: Status) -> Status:
        if value not in (Status.WARNING, Status.CRITICAL):
            raise ValueError("minimum severity is warning or critical")
        return value

    @field_validator("strategies", mode="before")
    @classmethod
    def _patterns(cls, value: Any) -> Any:
        items = value.replace(",", " ").split() if isinstance(value, str) else value
        for item in items:
            if not _PATTERN.match(str(item)):
                raise ValueError(
                    f"strategy {item!r}: ids or patterns of letters, digits, _ . : - * ? []"
                )
        return tuple(items)

    @property
    def secret_name(self) -> str:
        if self.id is None:
            raise ValueError("a channel gets its secret name once stored")
        return secret_name(self.id)

    @property
    def filter(self) -> ChannelFilter:
        return ChannelFilter(self.min_severity, self.strategies)

    def options(self) -> dict[str, Any]:
        """The kind-specific values stored as JSON (never a secret)."""
        return {
            "timeout_s": self.timeout_s,
            "resend_every_s": self.resend_every_s,
            "generator_url": self.generator_url,
        }


def secret_name(channel_id: int) -> str:
    return f"alert_channel_{channel_id}"


def build_channel(config: ChannelConfig, url: str) -> AlertChannel:
    """The channel for `config` sending to `url`; ValueError says what is wrong."""
    common: dict[str, Any] = {
        "name": config.name,
        "filter": config.filter,
        "timeout_s": config.timeout_s,
    }
    if config.kind is ChannelKind.WEBHOOK:
        return WebhookChannel(url, send_resolved=config.send_resolved, **common)
    if config.kind is ChannelKind.APPRISE:
        return AppriseChannel(url, send_resolved=config.send_resolved, **common)
    return AlertmanagerChannel(
        url,
        resend_every_s=config.resend_every_s,
        generator_url=config.generator_url,
        **common,
    )


def environment_channels() -> list[AlertChannel]:
    """Channels named by PERFDESK_ALERT_WEBHOOK / _APPRISE / _ALERTMANAGER (or the keyring)."""
    found: list[AlertChannel] = []
    makers = (
        (WEBHOOK_SECRET, lambda u: [WebhookChannel(u)]),
        (APPRISE_SECRET, lambda u: [AppriseChannel(x) for x in u.split()]),
        (ALERTMANAGER_SECRET, lambda u: [AlertmanagerChannel(u)]),
    )
    for name, make in makers:
        value = get_secret(name)
        if not value:
            continue
        try:
            found.extend(make(value))
        except ValueError as exc:  # the message never holds the URL
            log.error("alert channel from %s not used: %s", name, exc)
    return found


def channel_from_secret(config: ChannelConfig) -> AlertChannel | None:
    """The channel with its URL from the keyring/environment; None (logged) without one.

    Blocking (the keyring may ask D-Bus): run it in a thread. The URL stays inside: it is
    never a thread's result or argument, which executors may log.
    """
    url = get_secret(config.secret_name)
    if not url:
        log.warning(
            "alert channel %r has no URL here: store it in Settings › Notifications "
            "or set PERFDESK_%s",
            config.name,
            config.secret_name.upper(),
        )
        return None
    try:
        return build_channel(config, url)
    except ValueError as exc:
        log.error("alert channel %r not used: %s", config.name, exc)
        return None


def has_secret(name: str) -> bool:
    """Whether secret `name` is set here (blocking; the value never leaves)."""
    return bool(get_secret(name))
