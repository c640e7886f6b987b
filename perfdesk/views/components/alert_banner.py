"""Alert banner: the alert that most needs attention, how many others, and what to do.

Signals: ack_requested(str fingerprint), snooze_requested(str fingerprint),
open_requested(str strategy_id). Hidden when nothing needs attention.

It cannot trick a click (issue 17):
- Its space is reserved (fixed height, kept while hidden): appearing, disappearing or
  changing never moves the page under the pointer.
- An action acts on the alert that was on screen when the button was pressed, and a
  press within GUARD_S of the banner showing a different alert (or the same alert at
  another severity or state) is ignored: what you read is what you acknowledge.
- Firing alerts come before recovering ones; a recovering alert says RECOVERING, not
  its old severity, and the episode's worst moment stays in the text.
Acknowledged, snoozed, silenced and inhibited alerts do not claim the banner.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QWidget

from perfdesk.domain.alerts import Alert, AlertState
from perfdesk.domain.status import Status
from perfdesk.views.components.button import Button
from perfdesk.views.components.elided_label import ElidedLabel
from perfdesk.views.support import style

GUARD_S = 0.6
"""Presses this soon after the banner changed what it shows are ignored."""


def rank(alerts: Sequence[Alert], now: datetime | None = None) -> list[Alert]:
    """Alerts needing attention: firing before recovering, then the most severe, then the
    most recently updated."""
    now = now or datetime.now(UTC)
    pending = [a for a in alerts if a.needs_attention(now)]  # not acked/snoozed/muted
    return sorted(
        pending,
        key=lambda a: (a.state is AlertState.FIRING, a.severity.severity, a.updated_at),
        reverse=True,
    )


def headline(alert: Alert) -> tuple[str, str]:
    """(style key, label): a recovering alert is not shown at its old severity."""
    if alert.state is AlertState.RECOVERING:
        return "recovering", "\u25bc RECOVERING"
    severity = "critical" if alert.severity is Status.CRITICAL else "warning"
    return severity, f"\u25b2 {severity.upper()}"


def identity(alert: Alert | None) -> tuple[str, int, str, str] | None:
    """What a reader takes in at a glance; a change of it re-arms the click guard."""
    if alert is None:
        return None
    return (alert.fingerprint, alert.episode, alert.severity.value, alert.state.value)


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
        self.guard_s = GUARD_S
        self.clock: Callable[[], float] = time.monotonic
        self.changed_at = -1e9
        self.ignored_presses = 0
        self._pressed: Alert | None = None
        self._build()
        self._reserve_space()
        self.hide()

    def _build(self) -> None:
        theme = style.current_theme()
        row = QHBoxLayout(self)
        pad = theme.px("spacing.semantic.md")
        small = theme.px("spacing.semantic.sm")
        row.setContentsMargins(pad, small, small, small)
        row.setSpacing(pad)
        self.severity_label = QLabel()
        self.severity_label.setProperty("kind", "banner-severity")
        self.message_label = ElidedLabel()  # a long message never widens the window
        self.message_label.setTextFormat(Qt.TextFormat.PlainText)
        self.more_label = QLabel()
        self.more_label.setProperty("kind", "banner-more")
        self.ack_button = Button("Acknowledge", "secondary", tooltip="Acknowledge this alert")
        self.snooze_button = Button("Snooze 1 h", "ghost", tooltip="Silence this alert for an hour")
        self.open_button = Button("Open", "ghost", tooltip="Open the strategy's verification")
        row.addWidget(self.severity_label)
        row.addWidget(self.message_label, 1)
        row.addWidget(self.more_label)
        for button, signal in (
            (self.open_button, None),
            (self.snooze_button, self.snooze_requested),
            (self.ack_button, self.ack_requested),
        ):
            row.addWidget(button)
            button.pressed.connect(self._arm)
            button.clicked.connect(lambda _=False, s=signal: self._fire(s))

    def _reserve_space(self) -> None:
        """One fixed height, kept while hidden: the page below never moves."""
        self.severity_label.setText("\u25b2 CRITICAL")
        self.setFixedHeight(self.sizeHint().height())
        policy = self.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        policy.setVerticalPolicy(QSizePolicy.Policy.Fixed)
        self.setSizePolicy(policy)

    def set_alerts(self, alerts: Sequence[Alert], now: datetime | None = None) -> None:
        """Show the alert that most needs attention, or hide when there is none."""
        ranked = rank(alerts, now)
        shown = ranked[0] if ranked else None
        if identity(shown) != identity(self.current):
            self.changed_at = self.clock()  # a press already made keeps its alert
        self.current = shown
        self.others = max(0, len(ranked) - 1)
        if shown is None:
            self.setVisible(False)
            return
        self._show(shown)
        self.setVisible(True)

    def _show(self, alert: Alert) -> None:
        key, label = headline(alert)
        style.set_style_property(self, "severity", key)
        if self.severity_label.text() != label:
            self.severity_label.setText(label)
        text = self.describe(alert)
        if self.message_label.text() != text:
            self.message_label.setText(text)
            self.message_label.setToolTip(
                f"{text}\n{alert.strategy_id} / {alert.rule}, since "
                f"{alert.started_at.astimezone():%Y-%m-%d %H:%M:%S %Z}"
            )
        self.more_label.setText(f"+{self.others} more" if self.others else "")
        self.more_label.setVisible(self.others > 0)

    def describe(self, alert: Alert) -> str:
        """ "FX carry · Daily loss — <message>"; when the episode was worse than now, its
        worst moment first (the banner may cut the end of a long line; the tooltip has all):
        "… — worst (critical): <then> · now: <message>"."""
        name = self.names.get(alert.strategy_id, alert.strategy_id)
        rule = self.rule_titles.get(alert.rule, alert.rule)
        worst = alert.worst
        if worst is None or worst.message == alert.message:
            return f"{name} · {rule} — {alert.message}"
        then = f"worst ({worst.severity.value}): {worst.message}"
        return f"{name} · {rule} — {then} · now: {alert.message}"

    def _arm(self) -> None:
        """A press: bind the action to the alert on screen, unless it only just changed."""
        if self.clock() - self.changed_at < self.guard_s:
            self._pressed = None
            self.ignored_presses += 1
            return
        self._pressed = self.current

    def _fire(self, signal: SignalInstance | None) -> None:
        target, self._pressed = self._pressed, None
        if target is None:
            return
        if signal is None:
            self.open_requested.emit(target.strategy_id)
        else:
            signal.emit(target.fingerprint)
