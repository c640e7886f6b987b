"""Alert log page: every alert, filtered by strategy, severity and state; each one's history.

The page pulls alerts from its feed on `refresh()` (the window's repaint timer) and
loads the selected alert's history from the database in the background (ops.run).
User actions go up as signals; the AlertController sends them to the alert manager.

Signals: ack_requested(str fingerprint, str comment), snooze_requested(str fingerprint,
float hours), snooze_until_recovery_requested(str fingerprint),
silence_requested(str strategy_id, str rule, float hours, str comment) ("" = any),
open_requested(str strategy_id).
"""

from __future__ import annotations

import getpass
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from perfdesk.domain.alerts import Alert, AlertHistoryEntry, AlertState
from perfdesk.domain.status import Status
from perfdesk.views.alerts.alert_log_model import AlertFilterProxy, AlertHistoryModel, AlertLogModel
from perfdesk.views.alerts.alert_settings_view import AlertSettingsDialog, AlertSettingsStore
from perfdesk.views.alerts.notifications_view import NotificationsBackend, NotificationsDialog
from perfdesk.views.components.button import Button
from perfdesk.views.components.data_table import DataTable
from perfdesk.views.components.page_layout import page_column
from perfdesk.views.support import fmt, ops
from perfdesk.views.verification.verification_model import RULE_TITLES

HistoryLoader = Callable[[str], Awaitable[Sequence[AlertHistoryEntry]]]
ALL_STRATEGIES = "All strategies"
SEVERITIES: dict[str, Status | None] = {
    "All severities": None,
    "Critical": Status.CRITICAL,
    "Warning": Status.WARNING,
}
STATES: dict[str, AlertState | None] = {"All states": None} | {
    s.value.capitalize(): s for s in AlertState
}
SILENCE_HOURS = 1.0


class AlertLogView(QWidget):
    """Filter bar, the alerts table, and the selected alert's actions and history."""

    ack_requested = Signal(str, str)
    snooze_requested = Signal(str, float)
    snooze_until_recovery_requested = Signal(str)
    silence_requested = Signal(str, str, float, str)
    open_requested = Signal(str)

    def __init__(
        self,
        alerts: Callable[[], Sequence[Alert]],
        history: HistoryLoader | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("Page")
        self._alerts, self._history = alerts, history
        self.timing_store: Callable[[], AlertSettingsStore | None] = lambda: None
        """Where the alert timing settings are kept (perfdesk/backend_views.py sets it)."""
        self.timing_user: Callable[[], str] = getpass.getuser
        self.timing_dialog: AlertSettingsDialog | None = None
        self.notifications_backend: Callable[[], NotificationsBackend | None] = lambda: None
        """The alert channels (perfdesk/backend_views.py sets it)."""
        self.notifications_dialog: NotificationsDialog | None = None
        self._loaded: tuple[str, datetime] | None = None  # (fingerprint, updated_at) shown
        self.model = AlertLogModel(self)
        self.proxy = AlertFilterProxy(self)
        self.table = DataTable(self.model, proxy=self.proxy)
        self.table.sortByColumn(self.model.column_of("updated"), Qt.SortOrder.DescendingOrder)
        self.history_model = AlertHistoryModel(self)
        self.history_table = DataTable(self.history_model)
        self.table.set_empty_text(
            "No alerts. A rule that goes to warning or critical for a strategy shows up here."
        )
        self.history_table.set_empty_text("Select an alert above to see what happened to it.")
        self.history_table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self._layout()
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._on_selection())
        self._on_selection()

    # --- layout --------------------------------------------------------------------------

    def _layout(self) -> None:
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self._detail())
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        box = page_column(self)
        title_row, filter_row = self._filter_bar()
        box.addLayout(title_row)
        box.addLayout(filter_row)
        box.addWidget(self.splitter, 1)

    def _filter_bar(self) -> tuple[QHBoxLayout, QHBoxLayout]:
        """The title with the settings buttons, then the filters (two rows: fits 1024 px)."""
        head, bar = QHBoxLayout(), QHBoxLayout()
        title = QLabel("Alerts")
        title.setProperty("kind", "heading")
        self.strategy_combo = QComboBox()
        self.strategy_combo.addItem(ALL_STRATEGIES, None)
        self.severity_combo = QComboBox()
        self.severity_combo.addItems(list(SEVERITIES))
        self.state_combo = QComboBox()
        self.state_combo.addItems(list(STATES))
        for combo in (self.strategy_combo, self.severity_combo, self.state_combo):
            combo.currentTextChanged.connect(lambda _t: self._apply_filters())
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter messages, rules…")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setMinimumWidth(140)  # the page fits a 1024 px window
        self.filter_edit.setMaximumWidth(280)
        self.filter_edit.textChanged.connect(self.proxy.setFilterFixedString)
        self.timing_button = Button(
            "Timing settings…",
            "ghost",
            tooltip="How long a breach must hold, keep-firing, recovery margin, quiet period",
        )
        self.timing_button.clicked.connect(self.open_timing_settings)
        self.notifications_button = Button(
            "Notifications…", "ghost", tooltip="Chat, push, e-mail, webhook and Alertmanager"
        )
        self.notifications_button.clicked.connect(self.open_notifications)
        head.addWidget(title)
        head.addStretch(1)
        head.addWidget(self.timing_button)
        head.addWidget(self.notifications_button)
        for widget in (self.strategy_combo, self.severity_combo, self.state_combo):
            bar.addWidget(widget)
        bar.addWidget(self.filter_edit, 1)  # grows up to its maximum: placeholder readable
        bar.addStretch(1)
        return head, bar

    def _detail(self) -> QWidget:
        pane = QWidget()
        box = QVBoxLayout(pane)
        box.setContentsMargins(0, 0, 0, 0)
        self.detail_label = QLabel()
        self.detail_label.setTextFormat(Qt.TextFormat.PlainText)
        self.detail_label.setWordWrap(True)
        box.addWidget(self.detail_label)
        for row in self._actions():
            box.addLayout(row)
        box.addWidget(self.history_table, 1)
        return pane

    def _actions(self) -> tuple[QHBoxLayout, QHBoxLayout]:
        """The comment with Acknowledge, then the other actions: two rows, so that seven
        controls in one row do not make the window wider than a 1024 px screen."""
        row = QHBoxLayout()
        self.comment_edit = QLineEdit()
        self.comment_edit.setPlaceholderText("Comment for the acknowledgement or silence")
        self.ack_button = Button("Acknowledge", "primary")
        self.snooze_button = Button("Snooze 1 h", "secondary")
        self.recovery_button = Button("Snooze until recovery", "secondary")
        self.silence_strategy_button = Button("Silence strategy 1 h", "ghost")
        self.silence_rule_button = Button("Silence rule 1 h", "ghost")
        self.open_button = Button("Open strategy", "ghost")
        self.ack_button.clicked.connect(self._ack)
        self.snooze_button.clicked.connect(lambda: self._with(self._snooze))
        self.recovery_button.clicked.connect(
            lambda: self._with(lambda a: self.snooze_until_recovery_requested.emit(a.fingerprint))
        )
        self.silence_strategy_button.clicked.connect(lambda: self._with(self._silence_strategy))
        self.silence_rule_button.clicked.connect(lambda: self._with(self._silence_rule))
        self.open_button.clicked.connect(
            lambda: self._with(lambda a: self.open_requested.emit(a.strategy_id))
        )
        row.addWidget(self.comment_edit, 1)
        row.addWidget(self.ack_button)
        more = QHBoxLayout()
        for button in self.action_buttons()[1:]:
            more.addWidget(button)
        more.addStretch(1)
        return row, more

    def open_timing_settings(self) -> AlertSettingsDialog:
        """The alert timing settings in a dialog (non-modal; one at a time)."""
        if self.timing_dialog is None:
            self.timing_dialog = AlertSettingsDialog(self.timing_store(), self.timing_user(), self)
        else:
            self.timing_dialog.panel.who = self.timing_user()
            self.timing_dialog.panel.set_store(self.timing_store())
        self.timing_dialog.show()
        self.timing_dialog.raise_()
        return self.timing_dialog

    def open_notifications(self) -> NotificationsDialog:
        """The alert channels in a dialog (non-modal; one at a time)."""
        backend, who = self.notifications_backend(), self.timing_user()
        if self.notifications_dialog is None:
            self.notifications_dialog = NotificationsDialog(backend, who, self)
        else:
            self.notifications_dialog.panel.who = who
            if backend is not None and self.notifications_dialog.panel.backend is None:
                self.notifications_dialog.panel.set_backend(backend)
        self.notifications_dialog.show()
        self.notifications_dialog.raise_()
        return self.notifications_dialog

    def action_buttons(self) -> list[Button]:
        return [
            self.ack_button,
            self.snooze_button,
            self.recovery_button,
            self.silence_strategy_button,
            self.silence_rule_button,
            self.open_button,
        ]

    # --- data ----------------------------------------------------------------------------

    def refresh(self) -> None:
        """Pull the alerts (timer slot, GUI thread); reload history if the selected changed."""
        if not self.isVisible():
            return
        alerts = list(self._alerts())
        self.model.show_alerts(alerts)
        self._add_strategies(sorted({a.strategy_id for a in alerts}))
        self._on_selection()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()

    def select(self, fingerprint: str) -> bool:
        return self.table.select_key(fingerprint)

    def selected(self) -> Alert | None:
        key = self.table.selected_key()
        return self.model.alert(key) if key else None

    def set_filters(
        self,
        strategy: str | None = None,
        severity: Status | None = None,
        state: AlertState | None = None,
    ) -> None:
        """Set the filter combos (as a user would); None = any."""
        if strategy is not None:
            self._add_strategies([strategy])
        index = self.strategy_combo.findData(strategy) if strategy is not None else 0
        self.strategy_combo.setCurrentIndex(max(0, index))
        self.severity_combo.setCurrentText(next(k for k, v in SEVERITIES.items() if v == severity))
        self.state_combo.setCurrentText(next(k for k, v in STATES.items() if v == state))

    def set_strategy_names(self, names: Mapping[str, str]) -> None:
        """strategy_id -> display name (the window passes the live strategies' names)."""
        self.model.set_names(names)
        for i in range(1, self.strategy_combo.count()):
            sid = self.strategy_combo.itemData(i)
            self.strategy_combo.setItemText(i, names.get(sid, sid))

    def _add_strategies(self, strategies: Sequence[str]) -> None:
        known = {self.strategy_combo.itemData(i) for i in range(self.strategy_combo.count())}
        for sid in strategies:
            if sid not in known:
                self.strategy_combo.addItem(self.model.names.get(sid, sid), sid)

    def _apply_filters(self) -> None:
        self.proxy.set_filters(
            strategy=self.strategy_combo.currentData(),
            severity=SEVERITIES[self.severity_combo.currentText()],
            state=STATES[self.state_combo.currentText()],
        )

    def _on_selection(self) -> None:
        alert = self.selected()
        for button in self.action_buttons():
            button.setEnabled(alert is not None)
        if alert is None:
            self.detail_label.setText("Select an alert to see its history.")
            self._loaded = None
            self.history_model.show_history([])
            return
        self.detail_label.setText(_describe(alert, self.model.names))
        if self._loaded != (alert.fingerprint, alert.updated_at):
            self._loaded = (alert.fingerprint, alert.updated_at)
            self._load_history(alert.fingerprint)

    def _load_history(self, fingerprint: str) -> None:
        if self._history is None:
            return
        ops.run(
            self._history(fingerprint),
            owner=self,
            on_success=self._show_history(fingerprint),
            group="alert-log-history",
        )

    def _show_history(self, fingerprint: str) -> Callable[[Sequence[AlertHistoryEntry]], None]:
        def show(entries: Sequence[AlertHistoryEntry]) -> None:
            if self._loaded is not None and self._loaded[0] == fingerprint:
                self.history_model.show_history(entries)

        return show

    # --- actions -------------------------------------------------------------------------

    def _with(self, action: Callable[[Alert], None]) -> None:
        alert = self.selected()
        if alert is not None:
            action(alert)

    def _ack(self) -> None:
        alert = self.selected()
        if alert is not None:
            self.ack_requested.emit(alert.fingerprint, self.comment_edit.text().strip())
            self.comment_edit.clear()

    def _snooze(self, alert: Alert) -> None:
        self.snooze_requested.emit(alert.fingerprint, 1.0)

    def _silence_strategy(self, alert: Alert) -> None:
        comment = self.comment_edit.text().strip()
        self.silence_requested.emit(alert.strategy_id, "", SILENCE_HOURS, comment)

    def _silence_rule(self, alert: Alert) -> None:
        comment = self.comment_edit.text().strip()
        self.silence_requested.emit("", alert.rule, SILENCE_HOURS, comment)


def _describe(alert: Alert, names: Mapping[str, str]) -> str:
    name = names.get(alert.strategy_id, alert.strategy_id)
    rule = RULE_TITLES.get(alert.rule, alert.rule)
    since = fmt.local_time(alert.started_at)
    return (
        f"{name} · {rule} — {alert.severity.value} {alert.state.value}, "
        f"episode {alert.episode}, since {since}: {alert.message}"
    )
