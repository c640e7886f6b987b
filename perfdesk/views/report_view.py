"""The Reports page: "Export now" and "Schedules & runs" tabs over a ReportsSource."""

from __future__ import annotations

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from perfdesk.views import ops
from perfdesk.views.report_export_view import ExportPanel
from perfdesk.views.report_schedules_view import SchedulesView
from perfdesk.views.report_source import ReportsSource


class ReportsView(QWidget):
    def __init__(self, source: ReportsSource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Page")
        self.source = source
        self.export = ExportPanel(source)
        self.schedules = SchedulesView(source)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.export, "Export now")
        self.tabs.addTab(self.schedules, "Schedules && runs")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        self.export.exported.connect(lambda _paths: self.schedules.refresh())
        self._loaded = False

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._loaded:
            self._loaded = True
            self.reload()

    def reload(self, current: str | None = None) -> None:
        """Re-read the strategies and the schedules (runs on the backend)."""
        ops.run(self.source.strategies(), owner=self,
                on_success=lambda ids: self.export.set_strategies(ids, current) if ids else None,
                group="report-strategies")  # fmt: skip
        self.schedules.refresh()
