"""AlertController: the alert UI (banner actions, tray, alert log page) wired to the manager.

The manager lives on the backend loop thread; user actions reach it through `call`
(fire and forget onto that loop, e.g. BackendHost.call), and the UI reads only the
manager's immutable published state. Until the backend is up there is no manager:
actions then say so in the status bar instead of failing silently.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QObject, QSettings

from perfdesk.domain.alerts import Alert
from perfdesk.services.runtime.desk import AlertActions
from perfdesk.views.alerts.alert_log_view import AlertLogView, HistoryLoader
from perfdesk.views.alerts.alert_sound import SoundingNotifier
from perfdesk.views.shell.main_window import MainWindow
from perfdesk.views.shell.tray import (
    FALLBACK_NOTICE,
    AlertTray,
    BannerFallbackNotifier,
    ManagerFeed,
)

Call = Callable[..., object]
BANNER_ACK_COMMENT = "acknowledged from the banner"


class AlertController(QObject):
    """Owns the tray and the alert log page; `user` is who acks/snoozes/silences."""

    def __init__(
        self,
        window: MainWindow,
        call: Call,
        manager: Callable[[], AlertActions | None],
        *,
        history: HistoryLoader | None = None,
        settings: QSettings | None = None,
        user: str = "",
        use_tray: bool | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__(window)
        self.window, self.user = window, user
        self._call, self._manager, self._clock = call, manager, clock
        self.feed = ManagerFeed(manager)
        self.tray = AlertTray(
            self.feed,
            window,
            announce=window.show_tray_unavailable,
            settings=settings,
            use_tray=use_tray,
        )
        if isinstance(self.tray.notifier, BannerFallbackNotifier):
            window.show_tray_unavailable(FALLBACK_NOTICE)  # from the start, not the 1st alert
        self.tray.notifier = SoundingNotifier(  # optional bell with critical popups
            self.tray.notifier, lambda: window.settings_view.current.notifications.sound_on_critical
        )
        self.log_view = AlertLogView(self.feed.alerts, history)
        self.log_view.timing_user = lambda: self.user or "unknown"
        window.add_page("alerts", "Alerts", self.log_view)
        window.timer.timeout.connect(self.log_view.refresh)
        self._connect()

    def _connect(self) -> None:
        w, log = self.window, self.log_view
        w.ack_requested.connect(lambda fp: self.ack(fp, BANNER_ACK_COMMENT))
        w.snooze_requested.connect(lambda fp: self.snooze(fp, hours=1.0))
        log.ack_requested.connect(self.ack)
        log.snooze_requested.connect(lambda fp, hours: self.snooze(fp, hours=hours))
        log.snooze_until_recovery_requested.connect(lambda fp: self.snooze(fp, until_recovery=True))
        log.silence_requested.connect(self.silence)
        log.open_requested.connect(w.open_strategy)
        self.tray.open_requested.connect(self.show_window)
        self.tray.alert_clicked.connect(w.open_strategy)

    # --- actions (GUI thread -> backend loop) ------------------------------------------

    def ack(self, fingerprint: str, comment: str) -> None:
        self._send("acknowledge", "ack", fingerprint, self.user, comment or "acknowledged")

    def snooze(self, fingerprint: str, *, hours: float = 1.0, until_recovery: bool = False) -> None:
        now = self._clock()
        until = None if until_recovery else now + timedelta(hours=hours)
        manager = self._manager()
        if manager is None:
            self.window.show_notice("Alerts are not available yet (the backend is starting).")
            return
        self._call(
            lambda: manager.snooze(
                fingerprint, until, now, who=self.user, until_recovery=until_recovery
            )
        )

    def silence(self, strategy_id: str, rule: str, hours: float, comment: str) -> None:
        manager = self._manager()
        if manager is None:
            self.window.show_notice("Alerts are not available yet (the backend is starting).")
            return
        now = self._clock()
        self._call(
            lambda: manager.add_silence(
                strategy_id=strategy_id or None,
                rule=rule or None,
                until=now + timedelta(hours=hours),
                who=self.user,
                comment=comment,
                now=now,
            )
        )
        scope = " / ".join(x for x in (strategy_id, rule) if x)
        self.window.show_notice(f"Silenced {scope} for {hours:g} h.")

    def show_window(self) -> None:
        """Bring the window forward (restoring it if minimised, keeping it maximised)."""
        if self.window.isMinimized():
            self.window.showNormal()
        else:
            self.window.show()
        self.window.raise_()
        self.window.activateWindow()

    def alerts(self) -> Sequence[Alert]:
        return self.feed.alerts()

    def _send(self, what: str, method: str, *args: object) -> None:
        manager = self._manager()
        if manager is None:
            self.window.show_notice(f"Cannot {what} yet: the backend is starting.")
            return
        self._call(getattr(manager, method), *args, self._clock())
