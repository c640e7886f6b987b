"""Alert log models: every alert (one row per fingerprint), its history, and the filters.

Rows are plain `Alert` / `AlertHistoryEntry` values; columns are declared once and the
rows update in place by key (RowTableModel).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel

from perfdesk.domain.alerts import Alert, AlertHistoryEntry, AlertState
from perfdesk.domain.status import Status
from perfdesk.views.components.data_table import Column, FilterProxy, RowTableModel
from perfdesk.views.support import fmt
from perfdesk.views.verification.verification_model import RULE_TITLES


def handling(alert: Alert, now: datetime | None = None) -> str:
    """Who is handling it / why it is quiet: ack, snooze, silence, inhibition."""
    now = now or datetime.now(UTC)
    parts = []
    if alert.acked_by:
        parts.append(f"acked by {alert.acked_by}")
    if alert.snooze_until_recovery:
        parts.append("snoozed until recovery")
    elif alert.snoozed_until is not None and alert.snoozed_until > now:
        parts.append(f"snoozed until {fmt.short_time(alert.snoozed_until)}")
    if alert.silenced_by:
        parts.append("silenced")
    if alert.inhibited_by:
        parts.append("inhibited: feed stale")
    return ", ".join(parts)


def alert_columns(names: Mapping[str, str]) -> list[Column[Alert]]:
    """The alert table's columns; `names` maps strategy_id -> display name (kept live)."""
    return [
        Column("severity", "Severity", lambda a: a.severity, badge=True, width=100),
        Column("state", "State", lambda a: a.state.value.capitalize(), width=90),
        Column(
            "strategy",
            "Strategy",
            lambda a: names.get(a.strategy_id, a.strategy_id),
            width=140,
            extra={"tip": lambda a: a.strategy_id},
        ),
        Column("rule", "Rule", lambda a: RULE_TITLES.get(a.rule, a.rule), width=120),
        Column(
            "started",
            "Started",
            lambda a: a.started_at.timestamp(),
            display=lambda a: fmt.short_time(a.started_at),
            width=110,
            extra={"tip": lambda a: fmt.local_time(a.started_at)},
        ),
        Column(
            "updated",
            "Updated",
            lambda a: a.updated_at.timestamp(),
            display=lambda a: fmt.short_time(a.updated_at),
            width=110,
            extra={"tip": lambda a: fmt.local_time(a.updated_at)},
        ),
        Column("episode", "#", lambda a: a.episode, tooltip="Episode (breaches so far)", width=40),
        Column("handling", "Handling", handling, width=140, extra={"tip": handling}),
        Column("message", "Message", lambda a: a.message, extra={"tip": lambda a: a.message}),
    ]


ALERT_COLUMNS: list[Column[Alert]] = alert_columns({})

HISTORY_COLUMNS: list[Column[AlertHistoryEntry]] = [
    Column(
        "ts", "When", lambda h: h.ts.timestamp(), display=lambda h: fmt.local_time(h.ts), width=160
    ),
    Column(
        "change",
        "Change",
        lambda h: (h.change.value if h.change else h.state.value).capitalize(),
        width=110,
    ),
    Column("severity", "Severity", lambda h: h.severity, badge=True, width=110),
    Column("state", "State", lambda h: h.state.value.capitalize(), width=100),
    Column("notified", "Notified", lambda h: "yes" if h.notified else "", width=90),
    Column("actor", "Who", lambda h: h.actor, fmt=lambda v: v or "", width=100),
    Column("detail", "Comment / message", lambda h: h.comment or h.message),
]


class AlertLogModel(RowTableModel[Alert]):
    """Every alert the manager knows, keyed by fingerprint."""

    def __init__(self, parent: Any = None) -> None:
        self.names: dict[str, str] = {}
        super().__init__(alert_columns(self.names), key=lambda a: a.fingerprint, parent=parent)

    def set_names(self, names: Mapping[str, str]) -> None:
        """strategy_id -> display name for the Strategy column (ids shown until known)."""
        if names == self.names:
            return
        self.names.clear()
        self.names.update(names)
        if self.rowCount():
            col = self.column_of("strategy")
            self.dataChanged.emit(self.index(0, col), self.index(self.rowCount() - 1, col))

    def show_alerts(self, alerts: Sequence[Alert]) -> None:
        self.upsert(alerts)

    def alert(self, fingerprint: str) -> Alert | None:
        row = self.row_of(fingerprint)
        return None if row is None else self.row_at(row)


class AlertHistoryModel(RowTableModel[AlertHistoryEntry]):
    """One alert's history, oldest first; replaced when another alert is selected."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(HISTORY_COLUMNS, key=lambda h: str(h.id), parent=parent)

    def show_history(self, entries: Sequence[AlertHistoryEntry]) -> None:
        keep = {str(e.id) for e in entries}
        self.remove([k for k in self.row_keys() if k not in keep])
        self.upsert(entries)


class AlertFilterProxy(FilterProxy):
    """FilterProxy plus exact filters on strategy, severity and state (None = any)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.strategy: str | None = None
        self.severity: Status | None = None
        self.state: AlertState | None = None

    def set_filters(
        self,
        *,
        strategy: str | None = None,
        severity: Status | None = None,
        state: AlertState | None = None,
    ) -> None:
        self.beginFilterChange()
        self.strategy, self.severity, self.state = strategy, severity, state
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        model = self.sourceModel()
        if isinstance(model, AlertLogModel) and not self._matches(model.row_at(source_row)):
            return False
        return super().filterAcceptsRow(source_row, source_parent)

    def _matches(self, alert: Alert) -> bool:
        return (
            (self.strategy is None or alert.strategy_id == self.strategy)
            and (self.severity is None or alert.severity is self.severity)
            and (self.state is None or alert.state is self.state)
        )
