"""The Reports page: "Export now" and "Schedules & runs" tabs over a ReportsSource."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QLabel, QTabWidget, QWidget

from perfdesk.services.host.backend_host import BackendHost
from perfdesk.services.reports.render import csv_renderer, html_renderer
from perfdesk.services.reports.scheduler import ReportScheduler, start_report_scheduler
from perfdesk.views.components.page_layout import page_column
from perfdesk.views.reports.report_export_view import ExportPanel
from perfdesk.views.reports.report_pdf import pdf_renderer
from perfdesk.views.reports.report_schedules_view import SchedulesView
from perfdesk.views.reports.report_source import ReportsSource, SchedulerSource
from perfdesk.views.support import ops


class ReportsView(QWidget):
    @classmethod
    async def for_host(cls, host: BackendHost) -> ReportsView:
        """Start the ReportScheduler on the backend loop (Qt PDF renderer injected: it
        runs in the backend's worker threads) and return the page over it."""
        backend = host.backend
        if backend is None:
            raise RuntimeError("ReportsView.for_host needs a started backend")
        alerts = backend.runtime.local_alerts  # None in client mode: the collector's
        renderers = {"pdf": pdf_renderer, "html": html_renderer, "csv": csv_renderer}
        scheduler = await host.run(start_report_scheduler(backend.store, alerts, renderers))
        view = cls(SchedulerSource(scheduler, run=host.run))
        view.scheduler, view._host = scheduler, host
        return view

    def __init__(self, source: ReportsSource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Page")
        self.source = source
        self.scheduler: ReportScheduler | None = None
        self._host: Any = None
        self.export = ExportPanel(source)
        self.schedules = SchedulesView(source)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.export, "Export now")
        self.tabs.addTab(self.schedules, "Schedules && runs")
        layout = page_column(self)
        title = QLabel("Reports")
        title.setProperty("kind", "heading")
        layout.addWidget(title)
        layout.addWidget(self.tabs, 1)
        self.export.exported.connect(lambda _paths: self.schedules.refresh())
        self._loaded = False
        self._current: str | None = None

    def _strategies(self, ids: list[str]) -> None:
        if ids:
            self.export.set_strategies(ids, self._current if self._current in ids else None)

    async def stop(self) -> None:
        """Stop the scheduler started by `for_host` (on the backend loop)."""
        if self.scheduler is not None and self._host is not None:
            await self._host.run(self.scheduler.stop())
            self.scheduler = None

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._loaded:
            self._loaded = True
            self.reload()

    def set_strategy_names(self, names: dict[str, str]) -> None:
        """strategy_id -> display name (from the window): the export list shows names."""
        self.export.set_strategy_names(names)
        self.schedules.set_strategy_names(names)

    def set_current_strategy(self, strategy_id: str) -> None:
        """Slot: the strategy the user is looking at elsewhere becomes the export's default."""
        self._current = strategy_id
        self.export.check_only(strategy_id)

    def reload(self) -> None:
        """Re-read the strategies and the schedules (runs on the backend)."""
        ops.run(self.source.strategies(), owner=self, on_success=self._strategies,
                group="report-strategies")  # fmt: skip
        self.schedules.refresh()
