"""The Reports page: "Export now" and "Schedules & runs" tabs over a ReportsSource."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QLabel, QTabWidget, QWidget

from perfdesk.views.components.page_layout import page_column
from perfdesk.views.reports.report_export_view import ExportPanel
from perfdesk.views.reports.report_schedules_view import SchedulesView
from perfdesk.views.reports.report_source import ReportsSource
from perfdesk.views.support import ops


class ReportsView(QWidget):
    def __init__(self, source: ReportsSource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Page")
        self.source = source
        self.stop_scheduler: Callable[[], Awaitable[None]] | None = None
        """Stops the scheduler this page runs over (set by the composition root)."""
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
        """Stop the scheduler this page runs over (on the backend loop), once."""
        stop, self.stop_scheduler = self.stop_scheduler, None
        if stop is not None:
            await stop()

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
