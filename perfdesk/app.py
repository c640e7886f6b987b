"""Composition root of the desktop app: builds the services and the window, connects them.

The GUI thread runs only Qt and the qasync loop. The live backend (engine link, store,
validation, alerts) runs on its own loop thread (BackendHost) and publishes an
immutable LiveView that the window reads on its repaint timer; the embedded
PostgreSQL starts in a worker thread; the demo simulator has a loop thread of its own.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import qasync
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from perfdesk import backend_views
from perfdesk.demo_desk import start_demo_engine
from perfdesk.desktop_settings import Connection
from perfdesk.domain.alerts import Alert
from perfdesk.domain.snapshot import StorageState, StrategySnapshot
from perfdesk.services.client.mode import start_client_backend
from perfdesk.services.host.backend_host import BackendHost, HostedConfig
from perfdesk.services.host.bootstrap import Backend
from perfdesk.services.support.secrets import get_secret
from perfdesk.views.reports.report_view import ReportsView
from perfdesk.views.settings import settings_store
from perfdesk.views.shell import platform_check, window_state
from perfdesk.views.shell.alert_controller import AlertController
from perfdesk.views.shell.main_window import MainWindow
from perfdesk.views.support.gc_policy import collect_on_the_gui_thread
from perfdesk.views.support.style import apply_theme, configure_high_dpi

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AppConfig:
    dsn: str | None = None
    engine_url: str | None = None
    demo: bool = False
    screenshot: Path | None = None
    screenshot_after_s: float = 20.0
    theme: str = "dark"
    client: bool = False  # client mode: a shared database, no engine (services.client_mode)
    ca_file: str | None = None  # extra CA certificates for a wss:// engine
    fresh: bool = False  # the demo starts over (its database is otherwise kept)


def with_saved_connection(config: AppConfig, saved: Connection) -> AppConfig:
    """Fill what the command line and environment left open from the Settings screen's
    saved connection. The demo keeps its own simulator and embedded database."""
    if config.demo:
        return config
    external = saved.dsn if saved.database == "external" and saved.dsn else None
    return replace(
        config,
        dsn=config.dsn or external,
        engine_url=config.engine_url or saved.engine_url or None,
        ca_file=config.ca_file or saved.ca_bundle or None,
    )


class RuntimeSource:
    """What the window reads: the backend's latest published LiveView (never live state)."""

    def __init__(self, host: BackendHost) -> None:
        self._host = host

    def snapshots(self) -> Mapping[str, StrategySnapshot]:
        backend = self._host.backend
        return backend.runtime.published.snapshots if backend else {}

    def active_alerts(self) -> list[Alert]:
        backend = self._host.backend
        return list(backend.runtime.published.alerts) if backend else []

    def storage(self) -> StorageState:
        """Is the database reachable, and how many events wait in the disk spool."""
        backend = self._host.backend
        return backend.runtime.published.storage if backend else StorageState()

    def engine_notes(self) -> list[str]:
        """The engine link's security warning (token refused over ws://, or --insecure)
        and the hostile frames its guard refused."""
        backend = self._host.backend
        if backend is None:
            return []
        view = backend.runtime.published
        return [n for n in (view.engine_security, view.engine_refused) if n]


def install_error_hooks(loop: asyncio.AbstractEventLoop) -> None:
    """Route uncaught errors from Python, threads and the loop to the log (one place)."""

    def on_exception(exc_type, exc, tb) -> None:  # type: ignore[no-untyped-def]
        log.critical("uncaught exception", exc_info=(exc_type, exc, tb))

    def on_thread_exception(args: threading.ExceptHookArgs) -> None:
        log.critical("uncaught exception in thread %s", args.thread, exc_info=args.exc_value)

    def on_loop_exception(_loop: asyncio.AbstractEventLoop, context: dict) -> None:
        log.error("event loop: %s", context.get("message"), exc_info=context.get("exception"))

    sys.excepthook = on_exception
    threading.excepthook = on_thread_exception
    loop.set_exception_handler(on_loop_exception)


XCB_MISSING_EXIT = 3
"""Exit code when Qt's X11 plugin misses system libraries (the fix is printed)."""


def run(config: AppConfig) -> int:
    existing = QApplication.instance()
    if existing is None:
        problem = platform_check.check_xcb()  # before Qt aborts with a bare message
        if problem is not None:
            print(problem, file=sys.stderr)
            return XCB_MISSING_EXIT
        configure_high_dpi()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv)
    app.setApplicationName("perfdesk")
    app.setOrganizationName("perfdesk")
    settings = QSettings()
    apply_theme(app, str(settings.value("theme", config.theme)))
    config = with_saved_connection(config, settings_store.load(settings).connection)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    install_error_hooks(loop)
    with loop:
        return loop.run_until_complete(_main(app, config))


def build_window(host: BackendHost, settings: QSettings) -> tuple[MainWindow, AlertController]:
    """The window on `host`'s backend (not started yet) with its alert UI (tray, Alerts)."""
    config_repo = HostedConfig(host)  # saved thresholds/expectations apply live
    window = MainWindow(RuntimeSource(host), thresholds=config_repo, expectations=config_repo)
    window.resize(1440, 900)
    for key, title in (("history", "History"), ("reports", "Reports")):  # nothing moves later
        window.reserve_page(key, title, "available once the database is connected")
    return window, backend_views.alert_controller(window, host, settings)


async def add_backend_pages(window: MainWindow, host: BackendHost) -> ReportsView:
    """History and Reports, once the backend is up (they run services on its loop)."""
    history_page = backend_views.history_page(host)  # HistoryService on the backend loop
    window.thresholds.backtest.set_source(history_page.source)  # "test against history"
    window.add_page("history", "History", history_page)
    window.settings_view.retention.set_source(backend_views.retention_source(host))
    reports_page = await backend_views.reports_page(host)  # scheduler on the backend loop
    window.add_page("reports", "Reports", reports_page)
    window.verification.strategy_selected.connect(reports_page.set_current_strategy)
    return reports_page


async def _main(app: QApplication, config: AppConfig) -> int:
    host = BackendHost()
    settings = QSettings()
    window, alerts_ui = build_window(host, settings)
    if config.screenshot is None:
        window.restore_state(settings)
    window.theme_requested.connect(lambda key: _set_theme(app, settings, key))
    # Quitting the Qt app would stop the qasync loop before the backend is shut down,
    # so closing the last window (or Ctrl+C) ends _main instead, which then cleans up.
    closed = asyncio.Event()
    app.setQuitOnLastWindowClosed(False)
    app.lastWindowClosed.connect(closed.set)
    signal.signal(signal.SIGINT, lambda *_: closed.set())
    window.show()
    window.show_connection("Starting the database and the engine link…")
    try:
        backend = await _start_backend(host, config)
    except Exception as exc:
        log.exception("could not start")
        host.failed(exc)
        window.show_connection(f"Could not start: {exc}")
        await closed.wait()
        await host.stop()
        return 1
    alerts_ui.user = backend.user
    reports_page = await add_backend_pages(window, host)
    if config.screenshot is None:
        window_state.restore_page(window, settings)  # History/Reports exist only now
    window.show_connection(backend.description)
    window.settings_view.show_connection(backend.engine_url, demo=config.demo)  # in use now
    QTimer.singleShot(1000, collect_on_the_gui_thread)  # GC policy: views/gc_policy.py
    if config.screenshot is not None:
        _schedule_screenshot(window, config.screenshot, config.screenshot_after_s)
    await closed.wait()
    if config.screenshot is None:
        window.save_state(settings)
    await reports_page.stop()
    await host.stop()
    return 0


async def _start_backend(host: BackendHost, config: AppConfig) -> Backend:
    if config.client:  # read the shared database a `perfdesk collect` writes
        host.backend = await host.run(start_client_backend(config.dsn))
        return host.backend
    token = get_secret("engine_token")
    return await host.start(
        config.dsn,
        config.engine_url,
        demo=config.demo,
        token=token,
        ca_file=config.ca_file,
        fresh=config.fresh,
        engine=start_demo_engine if config.demo else None,  # the demo brings its simulator
    )


def _set_theme(app: QApplication, settings: QSettings, key: str) -> None:
    apply_theme(app, key)
    settings.setValue("theme", key)


def _schedule_screenshot(window: MainWindow, path: Path, after_s: float) -> None:
    def shoot() -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not window.grab().save(str(path)):
            log.error("could not write the screenshot to %s", path)
        else:
            log.info("screenshot written to %s", path)
        window.close()

    QTimer.singleShot(int(after_s * 1000), shoot)
