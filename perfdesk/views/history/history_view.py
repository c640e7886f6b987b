"""History page: pick strategies and a range, see six months (or years) analysed.

Loading and every numpy computation happen in the HistoryService (backend loop + worker
thread); this page only starts requests through `ops.run` (one group: the newest request
cancels the older), shows progress, and hands the finished `HistoryAnalysis` objects to
its tabs. Signals: loaded(list[HistoryAnalysis]).
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QTabWidget, QWidget

from perfdesk.analytics.history_types import HistoryAnalysis
from perfdesk.services.history.service import HistoryRequest
from perfdesk.views.components.page_layout import page_column
from perfdesk.views.history.history_pages import ComparePage, MetricsPage, OverviewPage, RiskPage
from perfdesk.views.history.history_source import HistorySource
from perfdesk.views.history.history_toolbar import LoadProgress, RangeBar, StrategyPicker
from perfdesk.views.support import fmt, ops, style


class _ProgressRelay(QObject):
    """Carries progress from the backend/worker threads to the GUI thread (queued)."""

    progress = Signal(int, float, str)


class HistoryView(QWidget):
    """The page the main window shows under "History"."""

    loaded = Signal(list)

    def __init__(self, source: HistorySource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Page")
        self.source = source
        self.results: list[HistoryAnalysis] = []
        self._request_id = 0
        self._pending: Any = None
        self._started = 0.0
        self.relay = _ProgressRelay(self)
        self.relay.progress.connect(self._on_progress)
        self._build()

    def _build(self) -> None:
        box = page_column(self)
        box.addLayout(self._toolbar())
        self.progress = LoadProgress()
        self.progress.cancel_requested.connect(self.cancel)
        self.progress.busy_changed.connect(lambda _busy: self._fit_summary())
        self.tabs = QTabWidget()
        self.tabs.setCornerWidget(self.progress)
        self.overview = OverviewPage()
        self.risk = RiskPage()
        self.metrics = MetricsPage()
        self.compare = ComparePage()
        pages = (
            (self.overview, "Overview"),
            (self.risk, "Returns && risk"),
            (self.metrics, "Metrics && tables"),
            (self.compare, "Compare"),
        )
        for page, title in pages:
            self.tabs.addTab(page, title)
        box.addWidget(self.tabs, 1)

    def _toolbar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        title = QLabel("History")
        title.setProperty("kind", "heading")
        self.picker = StrategyPicker()
        self.picker.changed.connect(lambda _ids: self.reload())
        self.ranges = RangeBar("6M")
        self.ranges.changed.connect(lambda _p: self.reload())
        self.detail = QComboBox()
        self.detail.setToolTip("Which of the compared strategies the detail tabs show")
        self.detail.currentIndexChanged.connect(self._show_detail)
        self.detail.hide()
        bar.addWidget(title)
        bar.addSpacing(style.current_theme().px("spacing.semantic.lg"))
        bar.addWidget(self.picker)
        bar.addWidget(self.detail)
        bar.addStretch(1)
        bar.addWidget(self.ranges)
        return bar

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_summary()

    def _fit_summary(self) -> None:
        """The tabs keep their room (no scroll arrows hiding "Compare" in a 1024 px window);
        the load summary beside them takes what is left, shortened, full text in its tooltip
        (less while a load shows its bar and Cancel)."""
        progress = self.progress
        row = progress.layout()
        spacing = max(0, row.spacing()) if row is not None else 0
        busy = 0
        if progress.busy:
            busy = progress.bar.maximumWidth() + progress.cancel.sizeHint().width() + 2 * spacing
        gap = style.current_theme().px("spacing.semantic.md")
        room = self.tabs.width() - self.tabs.tabBar().sizeHint().width() - busy - gap
        progress.message.setMaximumWidth(max(60, room))

    # -- requests ------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        """Each time the page is shown: refresh the strategy list (new ones appear live)."""
        super().showEvent(event)
        self.refresh_strategies()

    def refresh_strategies(self) -> None:
        """Fetch the strategy list; selects the first one when nothing is picked yet."""
        ops.run(self.source.strategies(), owner=self, on_success=self._set_strategies,
                group=f"history-strategies-{id(self)}")  # fmt: skip

    def _set_strategies(self, items: list[tuple[str, str]]) -> None:
        self.picker.set_strategies(items)
        if not items:
            self.progress.finish("No strategy stored yet: they appear once the engine sends data")
        if not self.picker.selected() and items:
            self.picker.select([items[0][0]])

    def reload(self) -> None:
        """Analyse the picked strategies over the picked range (newest request wins)."""
        ids = self.picker.selected()
        if not ids:
            return
        self._request_id += 1
        rid = self._request_id
        requests = [HistoryRequest(sid, preset=self.ranges.preset) for sid in ids]
        self._started = time.perf_counter()
        self.progress.start(f"Loading {', '.join(ids)} ({self.ranges.preset})…")
        work = self.source.analyze(
            requests, None, lambda f, msg: self.relay.progress.emit(rid, f, msg)
        )
        self._pending = ops.run(
            work, owner=self, on_success=lambda res: self._on_loaded(rid, res),
            on_failure=lambda exc: self._on_failed(rid, exc), group=f"history-{id(self)}",
        )  # fmt: skip

    def cancel(self) -> None:
        """Stop the running request (the backend stops at its next stage)."""
        if self._pending is not None and not self._pending.done():
            self._pending.cancel()
        self._request_id += 1  # late progress of the cancelled request is ignored
        self.progress.finish("Cancelled")

    @property
    def busy(self) -> bool:
        return self.progress.busy

    def _on_progress(self, rid: int, fraction: float, message: str) -> None:
        if rid == self._request_id:
            self.progress.step(fraction, message)

    def _on_failed(self, rid: int, exc: BaseException) -> None:
        if rid == self._request_id:
            self.progress.finish(f"Could not load the history: {exc}")
            ops.report_failure("History", exc)

    def _on_loaded(self, rid: int, results: list[HistoryAnalysis]) -> None:
        if rid != self._request_id:
            return
        self.show_results(results)
        took = time.perf_counter() - self._started
        self.progress.finish(self._summary(results, took))

    # -- showing ---------------------------------------------------------------

    def show_results(self, results: list[HistoryAnalysis]) -> None:
        """Render finished analyses (first = detail tabs; all = compare tab)."""
        self.results = list(results)
        self.detail.blockSignals(True)
        self.detail.clear()
        self.detail.addItems([r.name for r in self.results])
        self.detail.blockSignals(False)
        self.detail.setVisible(len(self.results) > 1)
        self._show_detail(0)
        self.compare.show_results(self.results)
        for page in (self.overview, self.risk, self.metrics, self.compare):
            page.reveal(bool(self.results))
        self.loaded.emit(self.results)

    def _show_detail(self, index: int) -> None:
        if not 0 <= index < len(self.results):
            return
        result = self.results[index]
        for page in (self.overview, self.risk, self.metrics):
            page.show_result(result)

    @staticmethod
    def _summary(results: list[HistoryAnalysis], took: float) -> str:
        if not results:
            return "No data"
        first = results[0]
        points = sum(r.t.size for r in results)
        unit = {"raw": "samples", "1m": "1-minute bars", "1d": "daily bars"}[first.resolution]
        notes = "  ·  ".join(first.notes)
        many = "strategy" if len(results) == 1 else "strategies"
        text = f"{fmt.count(points)} {unit} · {first.n_days} days · {len(results)} {many}"
        text += f" · {took:.2f} s"
        return f"{text}  ·  {notes}" if notes else text
