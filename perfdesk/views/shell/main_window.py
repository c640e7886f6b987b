"""The main window: sidebar navigation, alert banner, pages, menus, status bar.

It PULLS state from `source` on a timer (~15 Hz) and pushes it down to the pages;
nothing repaints per event. User actions go up as signals; the composition root
(perfdesk.app) connects them to services.

Signals: ack_requested(str fingerprint), snooze_requested(str fingerprint),
theme_requested(str "dark"|"light"|"system").
"""

from __future__ import annotations

import getpass
import logging
from collections.abc import Mapping

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

import perfdesk
from perfdesk.desktop_settings import DesktopSettings
from perfdesk.domain.snapshot import StrategySnapshot
from perfdesk.views.components.alert_banner import AlertBanner
from perfdesk.views.components.data_card import set_text
from perfdesk.views.components.storage_indicator import StorageIndicator
from perfdesk.views.dashboard.dashboard_view import DashboardView
from perfdesk.views.dashboard.strategy_page import StrategyPage
from perfdesk.views.settings import settings_store
from perfdesk.views.settings.settings_view import SettingsView
from perfdesk.views.shell import window_state
from perfdesk.views.shell.navigation import Navigation
from perfdesk.views.strategy_setup.strategy_setup_view import StrategySetupView
from perfdesk.views.support import ops, style
from perfdesk.views.support.frame_pacer import FramePacer
from perfdesk.views.support.repositories import (
    ExpectationRepository,
    ThresholdRepository,
    Unconnected,
)
from perfdesk.views.support.source import SnapshotSource
from perfdesk.views.thresholds.thresholds_view import ThresholdsView
from perfdesk.views.verification.verification_model import RULE_TITLES
from perfdesk.views.verification.verification_view import VerificationView

log = logging.getLogger(__name__)
REFRESH_HZ = 15


def _n(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


def status_text(snaps: Mapping[str, StrategySnapshot], alerts: int) -> str:
    """ "8 strategies · 7 live feeds · 1 active alert" for the status bar."""
    live = sum(1 for s in snaps.values() if s.feed.value == "live")
    strategies = _n(len(snaps), "strategy", "strategies")
    return f"{strategies} · {_n(live, 'live feed')} · {_n(alerts, 'active alert')}"


NOTE_CHARS = 90
"""An engine note longer than this is cut in the status bar (the whole of it is in the
label's tooltip): a refused frame's reason can run to 300 characters, and the bar's
right-aligned label then hid the strategy and feed counts off its left edge."""


def status_line(text: str, notes: list[str]) -> tuple[str, str]:
    """(the status bar's line, its tooltip): the counts, then each engine note cut to
    NOTE_CHARS; the tooltip holds every note whole (empty without notes)."""
    short = [n if len(n) <= NOTE_CHARS else n[: NOTE_CHARS - 1].rstrip() + "…" for n in notes]
    return " · ⚠ ".join([text, *short]), "\n".join(notes)


class MainWindow(QMainWindow):
    """Pages are added with `add_page`; Dashboard and Verification exist from the start."""

    ack_requested = Signal(str)
    snooze_requested = Signal(str)
    theme_requested = Signal(str)

    def __init__(
        self,
        source: SnapshotSource,
        parent: QWidget | None = None,
        refresh_hz: float | None = None,
        *,
        thresholds: ThresholdRepository | None = None,
        expectations: ExpectationRepository | None = None,
        settings: QSettings | None = None,
        who: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.source = source
        self.setWindowTitle("perfdesk")
        self.store = settings if settings is not None else QSettings()
        self.pages: dict[str, QWidget] = {}
        self._strategy_names: dict[str, str] = {}
        self.active_alerts = 0
        """How many alerts were active at the last refresh (quitting asks while any are)."""
        self._quit_confirmed = False
        self._build_shell()
        self._build_menus()
        self.navigation = Navigation(self._nav, self.view_menu, self._view_end, self)
        self.navigation.page_requested.connect(self.show_page)
        self._build_pages(thresholds, expectations, who or getpass.getuser())
        self._connect()
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.CoarseTimer)
        hz = refresh_hz or self.settings_view.current.appearance.refresh_hz
        self.pacer = FramePacer(self.timer, hz)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self.show_page("dashboard")
        self.restore_state()
        if self.store.contains("settings/appearance.theme"):
            self.apply_settings(self.settings_view.current)  # the user's saved look

    def _build_pages(
        self,
        thresholds: ThresholdRepository | None,
        expectations: ExpectationRepository | None,
        who: str,
    ) -> None:
        memory = Unconnected()  # a window without a database stores nothing
        self.dashboard = DashboardView()
        self.verification = VerificationView()
        self.thresholds = ThresholdsView(thresholds or memory, who)
        self.setup = StrategySetupView(expectations or memory, who)
        self.settings_view = SettingsView(self.store)
        self.add_page("dashboard", "Dashboard", self.dashboard)
        self.add_page("verification", "Verification", self.verification)
        self.add_page("thresholds", "Thresholds", self.thresholds)
        self.add_page("setup", "Strategy setup", self.setup)
        self.add_page("settings", "Settings", self.settings_view)
        self.strategy_page = StrategyPage()  # a card's drill-down: no sidebar entry
        self.pages["strategy"] = self.strategy_page
        self.stack.addWidget(self.strategy_page)
        if thresholds is None:
            self.thresholds.state_label.setToolTip(
                "No database: thresholds are kept for this session only"
            )

    def _build_shell(self) -> None:
        theme = style.current_theme()
        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        self.sidebar = QWidget()
        self.sidebar.setObjectName("Sidebar")
        self.sidebar.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.sidebar.setFixedWidth(theme.px("size.sidebar_width"))
        self._nav = QVBoxLayout(self.sidebar)
        self._nav.setContentsMargins(0, 0, 0, theme.px("spacing.semantic.lg"))
        self._nav.setSpacing(theme.px("spacing.semantic.2xs"))
        brand = QLabel("perfdesk")
        brand.setObjectName("Brand")
        self._nav.addWidget(brand)
        self._nav.addStretch(1)
        content = QVBoxLayout()
        content.setContentsMargins(0, 0, 0, 0)
        content.setSpacing(0)
        self.banner = AlertBanner()
        self.banner.rule_titles = dict(RULE_TITLES)
        banner_box = QVBoxLayout()
        m = theme.px("spacing.semantic.xl")
        banner_box.setContentsMargins(m, theme.px("spacing.semantic.md"), m, 0)
        banner_box.addWidget(self.banner)
        self.stack = QStackedWidget()
        content.addLayout(banner_box)
        content.addWidget(self.stack, 1)
        row.addWidget(self.sidebar)
        row.addLayout(content, 1)
        self.setCentralWidget(central)
        self.connection_label = QLabel()
        """Where the data comes from (engine, database): a status-bar widget, not a
        message — a menu's status tip (an empty one on every hover) wiped a message for
        good; a temporary notice only covers the widget while it shows."""
        self.connection_label.setProperty("kind", "muted")
        self.statusBar().addWidget(self.connection_label, 1)
        self.status_label = QLabel()
        self.status_label.setMinimumWidth(300)
        self.status_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.statusBar().addPermanentWidget(self.status_label)
        # Database / spool state; shown when the source reports it (RuntimeSource does).
        self.storage = StorageIndicator()
        self.storage.setVisible(self.source.storage() is not None)
        self.statusBar().addPermanentWidget(self.storage)
        self.tray_label = QLabel("\u25cb No tray")  # said once, and it stays (see tray.py)
        self.tray_label.setProperty("kind", "muted")
        self.tray_label.hide()
        self.statusBar().addPermanentWidget(self.tray_label)

    def add_page(self, key: str, title: str, widget: QWidget, shortcut: str | None = None) -> None:
        """Add a page with a sidebar entry and a View-menu action, both at the page's place
        in navigation.PAGE_ORDER (`shortcut` only for pages not declared there)."""
        self.pages[key] = widget
        self.stack.addWidget(widget)
        self._give_names(widget)
        self.navigation.add(key, title, shortcut)

    def reserve_page(self, key: str, title: str, why: str) -> None:
        """A sidebar entry (disabled, saying `why`) for a page `add_page` brings later."""
        self.navigation.reserve(key, title, why)

    def show_page(self, key: str) -> None:
        self.stack.setCurrentWidget(self.pages[key])
        self.navigation.set_current("dashboard" if key == "strategy" else key)

    def show_page_later(self, key: str) -> None:
        """`show_page` once the current event handler has returned (for a widget on the page
        being hidden: switching under its own handler is what crashed on a real click)."""
        QTimer.singleShot(0, self, lambda: self.show_page(key))

    def current_page(self) -> str:
        widget = self.stack.currentWidget()
        return next(k for k, w in self.pages.items() if w is widget)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.quit_action = file_menu.addAction("&Quit")
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))  # the platform may bind none
        self.quit_action.triggered.connect(self.request_quit)
        self.view_menu = bar.addMenu("&View")
        self._view_end = self.view_menu.addSeparator()  # page actions go above it
        self._theme_menu()
        full = self.view_menu.addAction("&Full Screen")
        full.setShortcut(QKeySequence.StandardKey.FullScreen)
        full.triggered.connect(
            lambda: self.showNormal() if self.isFullScreen() else self.showFullScreen()
        )
        window_menu = bar.addMenu("&Window")
        minimize = window_menu.addAction("&Minimize")
        minimize.setShortcut(QKeySequence("Ctrl+M"))
        minimize.triggered.connect(self.showMinimized)
        help_menu = bar.addMenu("&Help")
        about = help_menu.addAction("&About perfdesk")
        about.triggered.connect(self.show_about)
        help_menu.addAction("About &Qt").triggered.connect(lambda: QMessageBox.aboutQt(self))

    def _theme_menu(self) -> None:
        menu = self.view_menu.addMenu("&Theme")
        group = QActionGroup(self)
        self.theme_actions: dict[str, QAction] = {}
        for key, title in (("dark", "Dark"), ("light", "Light"), ("system", "Follow System")):
            action = QAction(title, self, checkable=True)
            action.setChecked(key == style.theme_manager().requested)
            action.triggered.connect(lambda _=False, k=key: self.set_theme(k))
            group.addAction(action)
            menu.addAction(action)
            self.theme_actions[key] = action

    def set_theme(self, theme: str) -> None:
        """View > Theme: apply now and remember it in the settings."""
        current = self.settings_view.current
        appearance = current.appearance.model_copy(update={"theme": theme})
        updated = current.model_copy(update={"appearance": appearance})
        settings_store.save(self.store, updated)
        self.settings_view.current = updated
        self.settings_view.form.set_value(updated)
        self.apply_settings(updated)
        self.theme_requested.emit(theme)

    def apply_settings(self, settings: DesktopSettings) -> None:
        """Apply what takes effect at once: appearance and refresh rate."""
        app = QApplication.instance()
        if app is not None:
            style.apply_appearance(app, settings.appearance)
        self.pacer.set_rate(settings.appearance.refresh_hz)
        action = self.theme_actions.get(settings.appearance.theme)
        if action is not None:
            action.setChecked(True)

    def about_text(self) -> str:
        return (
            f"<b>perfdesk {perfdesk.__version__}</b><p>Validates live trading strategies "
            "against their backtest expectations, alerts, charts and reports.</p>"
        )

    def show_about(self) -> None:
        QMessageBox.about(self, "About perfdesk", self.about_text())

    def _connect(self) -> None:
        self.banner.ack_requested.connect(self.ack_requested)
        self.banner.snooze_requested.connect(self.snooze_requested)
        self.banner.open_requested.connect(self.open_strategy)
        self.dashboard.strategy_activated.connect(self.open_strategy_page)
        page = self.strategy_page  # its buttons hide with it: switch after their handlers
        page.back_requested.connect(lambda: self.show_page_later("dashboard"))
        page.verification_requested.connect(self.open_strategy)
        page.alerts_requested.connect(
            lambda: self.show_page_later("alerts" if "alerts" in self.pages else "verification")
        )
        self.settings_view.settings_saved.connect(self.apply_settings)
        ops.runner().failed.connect(self.show_notice)

    def open_strategy(self, strategy_id: str) -> None:
        """Show `strategy_id` on the verification page with its evidence.

        Deferred to the event loop: callers are click handlers (a card, the banner, a
        table's button) whose widget the page switch hides; switching under a running
        handler is what crashed the app on a real click."""
        QTimer.singleShot(0, self, lambda: self._open_now(strategy_id))

    def _open_now(self, strategy_id: str) -> None:
        self.show_page("verification")
        self.verification.select_strategy(strategy_id)

    def open_strategy_page(self, strategy_id: str) -> None:
        """A card's drill-down page (deferred like `open_strategy`, for the same reason)."""
        QTimer.singleShot(0, self, lambda: self._open_page_now(strategy_id))

    def _open_page_now(self, strategy_id: str) -> None:
        self.strategy_page.show_strategy(strategy_id)
        self.show_page("strategy")
        self.strategy_page.show_state(self.source.snapshots(), self.source.active_alerts())

    def show_connection(self, text: str) -> None:
        """Say where the data comes from (or why it could not start), until changed."""
        self.connection_label.setText(text)
        self.connection_label.setToolTip(text)

    def show_notice(self, message: str) -> None:
        """A visible, non-modal notice (errors from background work end up here)."""
        self.statusBar().showMessage(message, 15000)

    def show_tray_unavailable(self, message: str) -> None:
        """No system tray: a permanent status-bar mark that explains itself on hover."""
        self.tray_label.setToolTip(message)
        self.tray_label.show()

    def refresh(self) -> None:
        """Pull snapshots and alerts and push them to the pages (timer slot, GUI thread)."""
        self.pacer.frame_started()
        try:
            snaps = self.source.snapshots()
            alerts = self.source.active_alerts()
            storage = self.source.storage()
            notes = self.source.engine_notes()
        except Exception as exc:  # noqa: BLE001 - a broken source must not stop the timer
            ops.report_failure("Reading live state failed", exc)
            return
        if self.dashboard.isVisible():  # hidden cards catch up when shown (next tick)
            self.dashboard.show_snapshots(snaps)
        self.verification.show_snapshots(snaps)
        if self.strategy_page.isVisible():
            self.strategy_page.show_state(snaps, alerts)
        self._sync_strategy_names(snaps)
        self.banner.set_alerts(alerts)
        self.active_alerts = len(alerts)
        if storage is not None:
            self.storage.set_state(storage)
        line, whole = status_line(status_text(snaps, len(alerts)), notes)
        set_text(self.status_label, line)
        if self.status_label.toolTip() != whole:
            self.status_label.setToolTip(whole)

    def _sync_strategy_names(self, snaps: Mapping[str, StrategySnapshot]) -> None:
        if snaps.keys() == self._strategy_names.keys():
            return
        self._strategy_names = {sid: s.name or sid for sid, s in snaps.items()}
        self.thresholds.set_strategies(self._strategy_names)
        self.setup.set_strategies(self._strategy_names)
        self.banner.names = dict(self._strategy_names)
        for page in self.pages.values():
            self._give_names(page)

    def _give_names(self, page: QWidget) -> None:
        """Pages that show strategies by name (Alerts, Reports, …) get the live names."""
        set_names = getattr(page, "set_strategy_names", None)
        if callable(set_names) and self._strategy_names:
            set_names(dict(self._strategy_names))

    def save_state(self, settings: QSettings | None = None) -> None:
        """Window layout to QSettings (also done on close)."""
        window_state.save(self, settings if settings is not None else self.store)

    def restore_state(self, settings: QSettings | None = None) -> None:
        """Window layout from QSettings (also done at construction)."""
        window_state.restore(self, settings if settings is not None else self.store)

    def request_quit(self) -> None:
        """File › Quit (Ctrl+Q): asks first while alerts are active."""
        if self.confirm_quit():
            self._quit_confirmed = True
            self.close()

    def confirm_quit(self) -> bool:
        """True when nothing is active, or the user says to quit anyway."""
        if self.active_alerts == 0:
            return True
        box = QMessageBox(QMessageBox.Icon.Warning, "Quit perfdesk?", "", parent=self)
        alerts = _n(self.active_alerts, "alert is", "alerts are")
        box.setText(f"{alerts} active. Quit anyway?")
        box.setInformativeText(
            "While perfdesk is closed it does not watch your strategies or raise alerts "
            "(a collector, if one runs, keeps watching)."
        )
        quit_button = box.addButton("Quit", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(box.addButton(QMessageBox.StandardButton.Cancel))
        box.exec()
        return box.clickedButton() is quit_button

    def closeEvent(self, event: QCloseEvent) -> None:
        # The window's close button asks as Ctrl+Q does; closes from code do not.
        if event.spontaneous() and not self._quit_confirmed and not self.confirm_quit():
            event.ignore()
            return
        self.timer.stop()
        self.save_state()
        super().closeEvent(event)
