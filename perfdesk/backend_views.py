"""Where the desktop's views meet a running backend: the one place that does it.

Part of the composition root (with app.py): every page or adapter that needs the
backend host is built here from the host — the alert UI, the Alerts page's timing
settings and notification channels, History and Reports. The views themselves only
take what they use (sources, stores, callables), never the host.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings

from perfdesk.services.alerts.channels.service import Notifications
from perfdesk.services.history.service import HistoryService
from perfdesk.services.host.backend_host import BackendHost
from perfdesk.services.reports.render import csv_renderer, html_renderer
from perfdesk.services.reports.scheduler import start_report_scheduler
from perfdesk.services.runtime.desk import AlertActions
from perfdesk.services.store.retention_settings import RetentionSettings
from perfdesk.views.alerts.alert_settings_view import LiveSettingsStore
from perfdesk.views.alerts.notifications_view import HostedNotifications
from perfdesk.views.history.history_source import ServiceHistorySource
from perfdesk.views.history.history_view import HistoryView
from perfdesk.views.reports.report_pdf import pdf_renderer
from perfdesk.views.reports.report_source import SchedulerSource
from perfdesk.views.reports.report_view import ReportsView
from perfdesk.views.settings.retention_panel import RetentionSource
from perfdesk.views.shell.alert_controller import AlertController
from perfdesk.views.shell.main_window import MainWindow


def alert_controller(
    window: MainWindow, host: BackendHost, settings: QSettings | None = None
) -> AlertController:
    """The alert UI (banner actions, tray, Alerts page) over `host`'s alert manager."""

    def manager() -> AlertActions | None:
        return host.backend.runtime.alerts if host.backend else None

    def history(fingerprint: str):  # type: ignore[no-untyped-def]
        if host.backend is None:
            raise RuntimeError("the backend is not running")
        return host.run(host.backend.runtime.alert_persistence.history(fingerprint))

    controller = AlertController(window, host.call, manager, history=history, settings=settings)
    # Timing settings and channels live on the backend (stored, applied live); resolved
    # when opened, since the backend starts after the window.
    controller.log_view.timing_store = lambda: timing_store(host)
    controller.log_view.notifications_backend = lambda: notifications(host)
    return controller


def timing_store(host: BackendHost) -> LiveSettingsStore | None:
    """The running backend's alert settings (None until it has started)."""
    backend = host.backend
    if backend is None:
        return None
    return LiveSettingsStore(backend.runtime.alert_settings, run=host.run)


def notifications(host: BackendHost) -> HostedNotifications | None:
    """The running backend's notification channels (None until it has started)."""
    backend = host.backend
    if backend is None:
        return None
    dispatcher = backend.runtime.alert_dispatcher  # None in client mode
    return HostedNotifications(Notifications(backend.store.pool, dispatcher), run=host.run)


def retention_source(host: BackendHost) -> RetentionSource:
    """Settings › Data retention over the started backend's database."""
    if host.backend is None:
        raise RuntimeError("Data retention needs a started backend")
    return RetentionSource(RetentionSettings(host.backend.store.pool), run=host.run)


def history_page(host: BackendHost) -> HistoryView:
    """History over the started backend's Store (work runs on the backend loop)."""
    if host.backend is None:
        raise RuntimeError("History needs a started backend")
    return HistoryView(ServiceHistorySource(HistoryService(host.backend.store), run=host.run))


async def reports_page(host: BackendHost) -> ReportsView:
    """Reports: the ReportScheduler started on the backend loop (Qt renderers injected:
    they run in the backend's worker threads) and the page over it."""
    backend = host.backend
    if backend is None:
        raise RuntimeError("Reports need a started backend")
    alerts = backend.runtime.local_alerts  # None in client mode: the collector's
    renderers = {"pdf": pdf_renderer, "html": html_renderer, "csv": csv_renderer}
    scheduler = await host.run(start_report_scheduler(backend.store, alerts, renderers))
    view = ReportsView(SchedulerSource(scheduler, run=host.run))
    view.stop_scheduler = lambda: host.run(scheduler.stop())
    return view
