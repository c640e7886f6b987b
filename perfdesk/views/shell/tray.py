"""Alert tray: a QSystemTrayIcon in the status colour, a popup per new notice, a menu.

The alert manager (backend thread) decides what deserves a notification; this class
polls its notice feed on the GUI thread and shows them, grouped per strategy (one
popup for a strategy's alerts that arrive together) — unless the user muted
popups, or the alert was acknowledged/snoozed/silenced since. Where no system tray
exists (offscreen, a bare X server) popups fall back to the in-app banner: the
window is flagged for attention and the user is told once, in the status bar.

Signals: open_requested() (show the main window), alert_clicked(str strategy_id).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from PySide6.QtCore import QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon, QWidget

from perfdesk.domain.alerts import Alert
from perfdesk.domain.status import Status
from perfdesk.services.alerts.manager import Notice
from perfdesk.services.runtime.desk import AlertActions
from perfdesk.views.support import style

log = logging.getLogger(__name__)

FALLBACK_NOTICE = "System tray unavailable: alerts are shown in the banner at the top only."
MUTE_KEY = "alerts/muted_until"
_STATUS_TOKENS = {
    Status.CRITICAL: "colors.semantic.status.error",
    Status.WARNING: "colors.semantic.status.warning",
    Status.OK: "colors.semantic.status.success",
}


class AlertFeed(Protocol):
    """What the tray reads (from the GUI thread; must be cheap and non-blocking)."""

    def notices_after(self, seq: int) -> Sequence[Notice]: ...

    def alerts(self) -> Sequence[Alert]: ...


class ManagerFeed:
    """An AlertFeed over the manager returned by `get` (None until the backend is up).

    Reads only the manager's immutable published tuples: safe from the GUI thread.
    """

    def __init__(self, get: Callable[[], AlertActions | None]) -> None:
        self._get = get

    def notices_after(self, seq: int) -> Sequence[Notice]:
        manager = self._get()
        return manager.notices_after(seq) if manager else []

    def alerts(self) -> Sequence[Alert]:
        manager = self._get()
        return manager.published if manager else ()


RECENT_POPUPS = 200
"""How many shown (and suppressed) popups a notifier remembers: the latest for the
tray's menu and the tests; the alert log and the database hold the history. Unbounded,
a desk that runs for weeks would keep every popup it ever showed."""


def recent_popups() -> deque[Popup]:
    return deque(maxlen=RECENT_POPUPS)


@dataclass(frozen=True)
class Popup:
    """One notification as shown to the user."""

    title: str
    body: str
    severity: Status
    fingerprint: str
    """The most severe alert of the popup (a popup groups one strategy's alerts)."""
    fingerprints: tuple[str, ...] = ()


class Notifier(Protocol):
    """Shows a popup; `shown` keeps the latest popups it displayed, in order."""

    @property
    def shown(self) -> Sequence[Popup]: ...

    def show(self, popup: Popup) -> None: ...


class TrayNotifier:
    """Popups as system-tray balloon/notification messages."""

    def __init__(self, icon: QSystemTrayIcon, timeout_ms: int = 10_000) -> None:
        self._icon = icon
        self._timeout_ms = timeout_ms
        self.shown = recent_popups()

    def show(self, popup: Popup) -> None:
        kind = (
            QSystemTrayIcon.MessageIcon.Critical
            if popup.severity is Status.CRITICAL
            else QSystemTrayIcon.MessageIcon.Warning
        )
        self._icon.showMessage(popup.title, popup.body, kind, self._timeout_ms)
        self.shown.append(popup)


class BannerFallbackNotifier:
    """No tray: the banner shows the alert; flag the window and say so once."""

    def __init__(self, window: QWidget | None, announce: Callable[[str], None]) -> None:
        self._window = window
        self._announce = announce
        self.announced = False
        self.shown = recent_popups()

    def show(self, popup: Popup) -> None:
        if not self.announced:
            self.announced = True
            self._announce(FALLBACK_NOTICE)
        if self._window is not None:
            QApplication.alert(self._window)  # taskbar attention where the platform has it
        self.shown.append(popup)


def popup_for(notice: Notice) -> Popup:
    return popup_for_group([notice])


def popup_for_group(notices: Sequence[Notice]) -> Popup:
    """One popup for one strategy's notices of the same poll (grouping per strategy)."""
    alerts = [n.event.alert for n in notices]
    worst = max(alerts, key=lambda a: a.severity.severity)
    level = "CRITICAL" if worst.severity is Status.CRITICAL else "WARNING"
    lines = [
        f"{n.event.alert.rule} {'escalated' if n.event.change.value == 'escalated' else 'alert'}"
        f" — {n.event.alert.message}"
        for n in notices
    ]
    return Popup(
        title=f"perfdesk {level}: {worst.strategy_id}",
        body="\n".join(lines),
        severity=worst.severity,
        fingerprint=worst.fingerprint,
        fingerprints=tuple(a.fingerprint for a in alerts),
    )


def group_by_strategy(notices: Sequence[Notice]) -> list[list[Notice]]:
    """Notices grouped per strategy, in the order each strategy first appears."""
    groups: dict[str, list[Notice]] = {}
    for notice in notices:
        groups.setdefault(notice.event.alert.strategy_id, []).append(notice)
    return list(groups.values())


class AlertTray(QObject):
    """Polls `feed` (own timer, or call `poll()`), pops notices, colours the icon."""

    open_requested = Signal()
    alert_clicked = Signal(str)

    def __init__(
        self,
        feed: AlertFeed,
        window: QWidget | None = None,
        *,
        announce: Callable[[str], None] | None = None,
        settings: QSettings | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        poll_hz: float = 15.0,
        use_tray: bool | None = None,
    ) -> None:
        super().__init__(window)
        self._feed, self._window, self._settings, self._clock = feed, window, settings, clock
        self._seq = 0
        self._last_popup: Popup | None = None
        self.suppressed = recent_popups()
        self.muted_until = self._restore_mute()
        available = QSystemTrayIcon.isSystemTrayAvailable() if use_tray is None else use_tray
        self.icon: QSystemTrayIcon | None = self._make_icon() if available else None
        self.notifier: Notifier = (
            TrayNotifier(self.icon)
            if self.icon is not None
            else BannerFallbackNotifier(window, announce or (lambda m: log.warning("%s", m)))
        )
        self.timer = QTimer(self)
        self.timer.setInterval(round(1000 / poll_hz))
        self.timer.timeout.connect(self.poll)
        self.timer.start()
        self.status, self.attention = Status.OK, 0
        self._paint(Status.OK, 0)
        style.theme_manager().changed.connect(self._repaint)

    # --- polling -------------------------------------------------------------------------

    def poll(self) -> None:
        """Show new notices (GUI thread) and refresh the icon's colour and tooltip."""
        now = self._clock()
        notices = self._feed.notices_after(self._seq)
        alerts = {a.fingerprint: a for a in self._feed.alerts()}
        self._seq = max([self._seq, *(n.seq for n in notices)])
        for group in group_by_strategy(notices):
            self._consider(group, alerts, now)
        attention = [a for a in alerts.values() if a.needs_attention(now)]
        worst = Status.worst([a.severity for a in attention])
        if (worst, len(attention)) != (self.status, self.attention):
            self._paint(worst, len(attention))

    def _consider(self, group: list[Notice], alerts: dict[str, Alert], now: datetime) -> None:
        """Pop one strategy's new notices as one popup, minus those handled since."""
        fresh = [n for n in group if _still_relevant(alerts.get(n.event.alert.fingerprint), now)]
        if self.is_muted(now) or not fresh:
            self.suppressed.append(popup_for_group(group))
            return
        popup = popup_for_group(fresh)
        self._last_popup = popup
        self.notifier.show(popup)

    # --- mute --------------------------------------------------------------------------

    def is_muted(self, now: datetime | None = None) -> bool:
        return self.muted_until is not None and self.muted_until > (now or self._clock())

    def mute(self, hours: float = 1.0) -> None:
        """No popups for `hours` (the banner and the icon colour still update)."""
        self.muted_until = self._clock() + timedelta(hours=hours)
        self._save_mute()

    def unmute(self) -> None:
        self.muted_until = None
        self._save_mute()

    def _restore_mute(self) -> datetime | None:
        raw = self._settings.value(MUTE_KEY) if self._settings is not None else None
        if not isinstance(raw, str) or not raw:
            return None
        try:
            return datetime.fromisoformat(raw)
        except ValueError:
            log.warning("ignoring an unreadable %s setting: %r", MUTE_KEY, raw)
            return None

    def _save_mute(self) -> None:
        if self._settings is not None:
            value = self.muted_until.isoformat() if self.muted_until else ""
            self._settings.setValue(MUTE_KEY, value)
        self._sync_menu()
        if self.icon is not None:
            self.icon.setToolTip(self.tooltip())

    # --- icon and menu -------------------------------------------------------------------

    def _make_icon(self) -> QSystemTrayIcon:
        theme = style.current_theme()
        icon = QSystemTrayIcon(status_icon(style.qcolor(theme, _STATUS_TOKENS[Status.OK])), self)
        menu = QMenu(self._window)
        self.open_action = QAction("Open perfdesk", menu)
        self.open_action.triggered.connect(self.open_requested)
        self.mute_action = QAction("Mute popups for 1 hour", menu)
        self.mute_action.triggered.connect(self._toggle_mute)
        menu.addAction(self.open_action)
        menu.addAction(self.mute_action)
        icon.setContextMenu(menu)
        self.menu = menu
        icon.activated.connect(self._activated)
        icon.messageClicked.connect(self._message_clicked)
        icon.show()
        self._sync_menu()
        return icon

    def _toggle_mute(self) -> None:
        if self.is_muted():
            self.unmute()
        else:
            self.mute(1.0)

    def _sync_menu(self) -> None:
        action = getattr(self, "mute_action", None)
        if action is not None:
            muted = self.is_muted()
            action.setText("Unmute popups" if muted else "Mute popups for 1 hour")

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self.open_requested.emit()

    def _message_clicked(self) -> None:
        self.open_requested.emit()
        if self._last_popup is not None:
            self.alert_clicked.emit(self._last_popup.fingerprint.split("/", 1)[0])

    def _repaint(self, _theme: object = None) -> None:
        self._paint(self.status, self.attention)

    def _paint(self, worst: Status, count: int) -> None:
        self.status = worst if worst in _STATUS_TOKENS else Status.OK
        self.attention = count
        self.color = style.qcolor(style.current_theme(), _STATUS_TOKENS[self.status])
        if self.icon is None:
            return
        self.icon.setIcon(status_icon(self.color))
        self.icon.setToolTip(self.tooltip())

    def tooltip(self) -> str:
        muted = " (popups muted)" if self.is_muted() else ""
        return f"perfdesk — {self.attention} alert(s) need attention{muted}"


def _still_relevant(current: Alert | None, now: datetime) -> bool:
    """Not acknowledged, snoozed or silenced since the manager decided to notify."""
    return current is None or current.needs_attention(now)


def status_icon(color: QColor, size: int = 64) -> QIcon:
    """A filled disc in `color` on a transparent square (drawn, so no image files)."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(color)
    margin = size // 8
    painter.drawEllipse(margin, margin, size - 2 * margin, size - 2 * margin)
    painter.end()
    return QIcon(pixmap)
