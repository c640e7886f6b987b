"""Alert banner: the most severe active alert, how many others, and what to do about it.

Signals: ack_requested(str fingerprint), snooze_requested(str fingerprint),
open_requested(str strategy_id). Hidden when nothing needs attention.
Acknowledged alerts and alerts snoozed into the future do not claim the banner.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QWidget

from perfdesk.domain.alerts import Alert
from perfdesk.domain.status import Status
from perfdesk.views.components.button import Button
from perfdesk.views.components.elided_label import ElidedLabel
from perfdesk.views.support import style


def needs_attention(alert: Alert, now: datetime) -> bool:
    """Active, not acknowledged, and not snoozed past `now`."""
    snoozed = alert.snoozed_until is not None and alert.snoozed_until > now
    return alert.is_active and alert.acked_at is None and not snoozed


def rank(alerts: Sequence[Alert], now: datetime | None = None) -> list[Alert]:
    """Alerts needing attention, most severe first, then the most recently updated."""
    now = now or datetime.now(UTC)
    pending = [a for a in alerts if needs_attention(a, now)]
    return sorted(pending, key=lambda a: (a.severity.severity, a.updated_at), reverse=True)


class AlertBanner(QFrame):
    """A strip above the pages; `current` is the alert shown (None when hidden)."""

    ack_requested = Signal(str)
    snooze_requested = Signal(str)
    open_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("kind", "banner")
        self.current: Alert | None = None
        self.others = 0
        self.names: dict[str, str] = {}
        """strategy_id -> display name (the window keeps it current); ids until known."""
        self.rule_titles: dict[str, str] = {}
        """rule key -> title ("daily_loss" -> "Daily loss")."""
        theme = style.current_theme()
        row = QHBoxLayout(self)
        pad = theme.px("spacing.semantic.md")
        row.setContentsMargins(
            pad,
            theme.px("spacing.semantic.sm"),
            theme.px("spacing.semantic.sm"),
            theme.px("spacing.semantic.sm"),
        )
        row.setSpacing(theme.px("spacing.semantic.md"))
        self.severity_label = QLabel()
        self.severity_label.setProperty("kind", "banner-severity")
        self.message_label = ElidedLabel()  # a long message never widens the window
        self.message_label.setTextFormat(Qt.TextFormat.PlainText)
        self.more_label = QLabel()
        self.more_label.setProperty("kind", "banner-more")
        self.ack_button = Button("Acknowledge", "secondary", tooltip="Acknowledge this alert")
        self.snooze_button = Button("Snooze 1 h", "ghost", tooltip="Silence this alert for an hour")
        self.open_button = Button("Open", "ghost", tooltip="Open the strategy's verification")
        for widget, stretch in (
            (self.severity_label, 0),
            (self.message_label, 1),
            (self.more_label, 0),
        ):
            row.addWidget(widget, stretch)
        for button in (self.open_button, self.snooze_button, self.ack_button):
            row.addWidget(button)
        self.ack_button.clicked.connect(lambda: self._emit(self.ack_requested))
        self.snooze_button.clicked.connect(lambda: self._emit(self.snooze_requested))
        self.open_button.clicked.connect(self._open)
        self.hide()

    def set_alerts(self, alerts: Sequence[Alert], now: datetime | None = None) -> None:
        """Show the most severe alert needing attention, or hide when there is none."""
        ranked = rank(alerts, now)
        self.current = ranked[0] if ranked else None
        self.others = max(0, len(ranked) - 1)
        if self.current is None:
            self.setVisible(False)
            return
        self._show(self.current)
        self.setVisible(True)

    def _show(self, alert: Alert) -> None:
        severity = "critical" if alert.severity is Status.CRITICAL else "warning"
        style.set_style_property(self, "severity", severity)
        self.severity_label.setText(f"\u25b2 {severity.upper()}")
        name = self.names.get(alert.strategy_id, alert.strategy_id)
        rule = self.rule_titles.get(alert.rule, alert.rule)
        text = f"{name} · {rule} — {alert.message}"
        if self.message_label.text() != text:
            self.message_label.setText(text)
            self.message_label.setToolTip(
                f"{text}\n{alert.strategy_id} / {alert.rule}, since "
                f"{alert.started_at.astimezone():%Y-%m-%d %H:%M:%S}"
            )
        self.more_label.setText(f"+{self.others} more" if self.others else "")
        self.more_label.setVisible(self.others > 0)

    def _emit(self, signal: SignalInstance) -> None:
        if self.current is not None:
            signal.emit(self.current.fingerprint)

    def _open(self) -> None:
        if self.current is not None:
            self.open_requested.emit(self.current.strategy_id)
