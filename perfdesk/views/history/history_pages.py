"""The History page's tabs: each lays out charts/tables and passes one result down.

Overview: headline figures, equity (backtest + live, alert markers), underwater,
metrics, monthly heatmap, gap waterfall, cone. Returns & risk: rolling Sharpe and
volatility, distribution, cone, alerts per month. Metrics & tables: the full metric set,
top drawdowns, yearly and monthly returns. Compare: several strategies side by side.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from perfdesk.analytics.history_types import HistoryAnalysis
from perfdesk.views.components.data_table import DataTable, RowTableModel
from perfdesk.views.components.scroll_column import ScrollColumn
from perfdesk.views.history.history_charts import (
    AlertsPerMonthChart,
    CompareChart,
    ConeChart,
    DistributionChart,
    EquityChart,
    RollingChart,
    UnderwaterChart,
)
from perfdesk.views.history.history_tables import (
    compare_model,
    drawdowns_model,
    metric_rows,
    metrics_model,
    yearly_model,
    yearly_rows,
)
from perfdesk.views.history.history_widgets import GapWaterfall, KpiStrip, MonthlyHeatmap, Panel
from perfdesk.views.support import style


def _grid() -> QGridLayout:
    grid = QGridLayout()
    gap = style.current_theme().px("spacing.semantic.md")
    grid.setContentsMargins(0, gap, 0, 0)
    grid.setSpacing(gap)
    return grid


NOTHING_YET = "Nothing for the strategy and range picked (pick them above)."


def table_of(model: RowTableModel[Any]) -> DataTable:
    """A DataTable that says why it is empty instead of showing bare headers."""
    table = DataTable(model)
    table.set_empty_text(NOTHING_YET)
    return table


def whole_columns(table: DataTable) -> DataTable:
    """At least as wide as its columns: in a narrow window the charts beside it give way,
    rather than its figures being cut mid-number ("−67." for −67.78%)."""
    columns = table.source_model.columns
    width = sum(c.width or table.horizontalHeader().defaultSectionSize() for c in columns)
    extra = table.verticalScrollBar().sizeHint().width() + 2 * table.frameWidth()
    table.setMinimumWidth(width + extra)
    return table


def unsorted(table: DataTable) -> DataTable:
    """Keep the rows in their declared order (metric tables read top to bottom)."""
    table.setSortingEnabled(False)
    table.proxy.sort(-1)
    table.horizontalHeader().setSortIndicatorShown(False)
    return table


def months_of(result: HistoryAnalysis) -> list[str]:
    """Every "YYYY-MM" of the analysed days, in order."""
    if result.daily_day.size == 0:
        return []
    months = (result.daily_day // 86_400).astype("int64").astype("datetime64[D]")
    return [str(m) for m in np.unique(months.astype("datetime64[M]"))]


class _Page(ScrollColumn):
    """A scrollable tab body; subclasses fill `self.grid` and implement show_result."""

    def __init__(self) -> None:
        super().__init__()
        self.grid = _grid()
        # Until a strategy is loaded the page says so, instead of empty axes from 1970.
        self.content = QWidget()
        self.content.setLayout(self.grid)
        self.empty_label = QLabel(
            "Pick one or more strategies and a range above: their history shows here."
        )
        self.empty_label.setProperty("kind", "muted")
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.column.addWidget(self.empty_label)
        self.column.addWidget(self.content)
        self.content.hide()
        self.panels: list[Panel] = []

    def reveal(self, shown: bool) -> None:
        """Show the charts and tables (a result is there) or the message (none)."""
        self.content.setVisible(shown)
        self.empty_label.setVisible(not shown)

    def panel(self, title: str, widget: QWidget) -> Panel:
        panel = Panel(title, widget)
        self.panels.append(panel)
        return panel

    def refresh_titles(self) -> None:
        for panel in self.panels:
            panel.refresh_title()


class OverviewPage(_Page):
    def __init__(self) -> None:
        super().__init__()
        self.kpis = KpiStrip()
        self.equity = EquityChart()
        self.underwater = UnderwaterChart()
        self.metrics = metrics_model(self)
        self.metrics_table = whole_columns(unsorted(table_of(self.metrics)))
        self.heatmap = MonthlyHeatmap()
        self.gap = GapWaterfall()
        self.drawdowns = drawdowns_model(self, compact=True)
        bottom = QWidget()
        line = QHBoxLayout(bottom)
        line.setContentsMargins(0, 0, 0, 0)
        line.setSpacing(style.current_theme().px("spacing.semantic.md"))
        line.addWidget(self.panel("Monthly returns (%)", self.heatmap), 3)
        line.addWidget(self.panel("Worst drawdowns", unsorted(table_of(self.drawdowns))), 2)
        g = self.grid
        g.addWidget(self.kpis, 0, 0, 1, 2)
        g.addWidget(self.panel("Equity", self.equity), 1, 0)
        g.addWidget(self.panel("Metrics — live vs backtest", self.metrics_table), 1, 1, 2, 1)
        g.addWidget(self.panel("Underwater", self.underwater), 2, 0)
        g.addWidget(bottom, 3, 0)
        g.addWidget(self.panel("Gap to the backtest (% of start equity)", self.gap), 3, 1)
        g.setColumnStretch(0, 21)
        g.setColumnStretch(1, 10)
        for row, stretch in ((1, 5), (2, 2), (3, 2)):
            g.setRowStretch(row, stretch)
        self.underwater.setXLink(self.equity)
        self.underwater.follow_x = True
        self.equity.setMinimumHeight(230)
        self.underwater.setMinimumHeight(100)

    def show_result(self, result: HistoryAnalysis) -> None:
        self.kpis.show_result(result)
        self.underwater.show_result(result)
        self.equity.show_result(result)
        _replace(self.metrics, metric_rows(result))
        self.heatmap.set_table(result.monthly)
        _replace(self.drawdowns, list(result.top_drawdowns))
        self.gap.set_gap(result.gap)
        self.refresh_titles()
        self.panels[2].heading.setText(_equity_title(result))


def _equity_title(result: HistoryAnalysis) -> str:
    res = {"raw": "raw samples", "1m": "1-minute bars", "1d": "daily bars"}[result.resolution]
    fired = result.replay.alert_count if result.replay else 0
    alerts = "1 alert" if fired == 1 else f"{fired} alerts"
    markers = f" · ▲ {alerts} the current rules would have raised" if fired else ""
    return f"Equity — {result.name} ({res}; grey: backtest, dashed: expected){markers}"


def _replace(model: RowTableModel[Any], rows: list[Any]) -> None:
    model.remove(model.row_keys())
    model.upsert(rows)


class RiskPage(_Page):
    def __init__(self) -> None:
        super().__init__()
        self.sharpe = RollingChart("sharpe")
        self.vol = RollingChart("volatility")
        self.distribution = DistributionChart()
        self.cone = ConeChart()
        self.alerts = AlertsPerMonthChart()
        self.underwater = UnderwaterChart()
        g = self.grid
        g.addWidget(self.panel("Rolling Sharpe", self.sharpe), 0, 0)
        g.addWidget(self.panel("Rolling volatility", self.vol), 0, 1)
        g.addWidget(self.panel("Distribution", self.distribution), 1, 0)
        g.addWidget(self.panel("Forecast cone", self.cone), 1, 1)
        g.addWidget(self.panel("Alerts per month", self.alerts), 2, 0)
        g.addWidget(self.panel("Underwater", self.underwater), 2, 1)

    def show_result(self, result: HistoryAnalysis) -> None:
        for chart in (self.sharpe, self.vol, self.distribution, self.cone, self.underwater):
            chart.show_result(result)
        self.alerts.show_replay(result.replay, months_of(result))
        self.refresh_titles()


class MetricsPage(_Page):
    def __init__(self) -> None:
        super().__init__()
        self.metrics = metrics_model(self)
        self.drawdowns = drawdowns_model(self)
        self.yearly = yearly_model(self)
        self.heatmap = MonthlyHeatmap()
        g = self.grid
        full = self.full_table = whole_columns(unsorted(table_of(self.metrics)))
        g.addWidget(self.panel("Full metric set", full), 0, 0, 3, 1)
        self.drawdowns_table = table_of(self.drawdowns)
        # deepest first (depths are negative; Qt's header starts out descending)
        self.drawdowns_table.sortByColumn(
            self.drawdowns.column_of("depth"), Qt.SortOrder.AscendingOrder
        )
        g.addWidget(self.panel("Top drawdowns", self.drawdowns_table), 0, 1)
        g.addWidget(self.panel("Yearly returns", table_of(self.yearly)), 1, 1)
        g.addWidget(self.panel("Monthly returns (%)", self.heatmap), 2, 1)
        g.setColumnStretch(0, 2)
        g.setColumnStretch(1, 3)

    def show_result(self, result: HistoryAnalysis) -> None:
        _replace(self.metrics, metric_rows(result))
        _replace(self.drawdowns, list(result.top_drawdowns))
        _replace(self.yearly, yearly_rows(result))
        self.heatmap.set_table(result.monthly)


class ComparePage(_Page):
    def __init__(self) -> None:
        super().__init__()
        self.chart = CompareChart()
        self.chart.setMinimumHeight(280)
        self.table_box = QWidget()
        self.table_layout = QVBoxLayout(self.table_box)
        self.table_layout.setContentsMargins(0, 0, 0, 0)
        self.table: DataTable | None = None
        self.grid.addWidget(self.panel("Growth of 1 — side by side", self.chart), 0, 0)
        self.grid.addWidget(self.panel("Metrics side by side", self.table_box), 1, 0)
        self.grid.setRowStretch(1, 1)

    def show_results(self, results: list[HistoryAnalysis]) -> None:
        self.chart.show_many(results)
        if self.table is not None:
            self.table.setParent(None)
            self.table.deleteLater()
        self.table = unsorted(DataTable(compare_model(results, self)))
        self.table.horizontalHeader().setStretchLastSection(False)
        for i in range(1, len(results) + 1):
            self.table.setColumnWidth(i, 150)
        self.table.setMinimumHeight(300)
        self.table_layout.addWidget(self.table)
