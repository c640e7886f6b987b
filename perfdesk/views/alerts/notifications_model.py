"""The channel table of Settings › Notifications: one row per configured channel with its
filter, whether it is on, and its delivery log (last success, last error)."""

from __future__ import annotations

from perfdesk.services.alerts.channels.service import ChannelStatus
from perfdesk.views.components.data_table import Column
from perfdesk.views.support import fmt

KIND_TITLES = {"webhook": "Webhook", "apprise": "Apprise", "alertmanager": "Alertmanager"}


def row_key(row: ChannelStatus) -> str:
    return str(row.config.id)


def _state(row: ChannelStatus) -> str:
    if not row.config.enabled:
        return "off"
    return "on" if row.has_url else "on (no URL here)"


def _last_error(row: ChannelStatus) -> str:
    log = row.log
    if log.last_error_at is None:
        return fmt.DASH
    return f"{fmt.short_time(log.last_error_at)} {log.last_error or ''}".strip()


COLUMNS: tuple[Column[ChannelStatus], ...] = (
    Column[ChannelStatus]("name", "Channel", lambda r: r.config.name, width=140),
    Column[ChannelStatus](
        "kind", "Kind", lambda r: KIND_TITLES.get(r.config.kind.value, r.config.kind.value),
        width=120,
    ),
    Column[ChannelStatus](
        "severity", "From", lambda r: r.config.min_severity.value, width=90,
        tooltip="The least severe alert sent (warning: both; critical: critical only)",
    ),
    Column[ChannelStatus](
        "strategies", "Strategies", lambda r: ", ".join(r.config.strategies) or "all",
        width=110,
    ),
    Column[ChannelStatus]("state", "State", _state, width=80),
    Column[ChannelStatus](
        "success", "Last success",
        lambda r: r.log.last_success_at.timestamp() if r.log.last_success_at else 0.0,
        display=lambda r: fmt.short_time(r.log.last_success_at), width=104,
        extra={"tip": lambda r: f"{r.log.sent} delivered, {r.log.failed} failed"},
    ),
    Column[ChannelStatus](
        "error", "Last error", _last_error,
        extra={"tip": lambda r: r.log.last_error or "No failed delivery"},
    ),
)  # fmt: skip
