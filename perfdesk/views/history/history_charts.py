"""pyqtgraph charts of the History page, each fed one `HistoryAnalysis` (or several).

Every chart re-pens itself from design tokens when the theme changes; big series rely on
clip-to-view + peak downsampling and cosmetic 1-px pens. X values are POSIX seconds
(date axis) except the cone's, which counts days since the range start.

The scroll wheel scrolls the page; it zooms a chart only once the chart has been clicked
(focus) or with Ctrl held. A zoomed or panned chart shows *Reset zoom* in its corner.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent, QWheelEvent
from PySide6.QtWidgets import QLabel, QToolButton, QWidget

from perfdesk.analytics.history_types import HistoryAnalysis, ReplaySummary
from perfdesk.domain.status import Status
from perfdesk.theme.theme import Theme
from perfdesk.views.components.value_axis import ValueAxis
from perfdesk.views.support import style

SERIES_TOKENS = (
    "colors.chart.line",
    "colors.semantic.status.warning",
    "colors.semantic.profit",
    "colors.semantic.status.info",
    "colors.semantic.loss",
    "colors.text.secondary",
)


class HistoryPlot(pg.PlotWidget):
    """A themed plot: date or value x axis, right-hand y axis, grid, optional legend."""

    def __init__(self, title: str, *, dates: bool = True, parent: QWidget | None = None):
        axes: dict[str, pg.AxisItem] = {"right": ValueAxis(orientation="right")}
        if dates:
            axes["bottom"] = pg.DateAxisItem(orientation="bottom")
        super().__init__(parent, axisItems=axes)
        self.title = title
        item = self.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        item.showAxis("right")
        item.hideAxis("left")
        item.setClipToView(True)
        item.setDownsampling(auto=True, mode="peak")
        self.setMouseEnabled(x=True, y=False)
        self.setMinimumHeight(150)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # click, then the wheel zooms
        self._legend: pg.LegendItem | None = None
        self._note: QLabel | None = None
        self.follow_x = False  # True when the x range is linked to another plot
        self.reset_button = QToolButton(self)
        self.reset_button.setText("Reset zoom")
        self.reset_button.setToolTip("Show all the data again")
        self.reset_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.reset_button.clicked.connect(self.reset_zoom)
        self.reset_button.hide()
        item.getViewBox().sigRangeChangedManually.connect(lambda *_: self._zoomed())
        self.setToolTip("Click the chart (or hold Ctrl) to zoom with the wheel; drag to pan")
        self.style_plot(style.current_theme())
        style.theme_manager().changed.connect(self._on_theme)

    def wheelEvent(self, event: QWheelEvent) -> None:
        """The page scrolls unless this chart has focus or Ctrl is held (then: zoom)."""
        if self.hasFocus() or event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            super().wheelEvent(event)
        else:
            event.ignore()

    def _zoomed(self) -> None:
        self.reset_button.adjustSize()
        self._place_note()
        self.reset_button.show()
        self.reset_button.raise_()

    def reset_zoom(self) -> None:
        """Fit the data again and hide *Reset zoom*."""
        self.autorange()
        self.reset_button.hide()

    def legend(self) -> pg.LegendItem:
        if self._legend is None:
            self._legend = self.getPlotItem().addLegend(offset=(8, 4))
            self._legend.setLabelTextColor(
                style.qcolor(style.current_theme(), "colors.text.secondary")
            )
        return self._legend

    def style_plot(self, theme: Theme) -> None:
        self.setBackground(style.qcolor(theme, "colors.chart.background"))
        item = self.getPlotItem()
        item.showGrid(x=True, y=True, alpha=0.12)
        for name in ("bottom", "right"):
            axis = item.getAxis(name)
            axis.setPen(style.pen(theme, "colors.chart.grid"))
            axis.setTextPen(style.pen(theme, "colors.chart.axis"))

    def _on_theme(self, theme: Theme) -> None:
        if self.__dict__.get("plotItem") is None:  # closed: pyqtgraph dropped its plot item
            return
        self.style_plot(theme)
        self.repen(theme)

    def repen(self, theme: Theme) -> None:
        """Subclasses re-apply their series pens here."""

    def set_note(self, text: str) -> None:
        """A message over the plot, such as why it has nothing to draw; "" hides it."""
        if self._note is None:
            self._note = QLabel(self)
            self._note.setProperty("kind", "muted")
            self._note.setWordWrap(True)
            self._note.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self._note.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._note.setText(text)
        self._note.setVisible(bool(text))
        self._place_note()

    def _place_note(self) -> None:
        pad = style.current_theme().px("spacing.semantic.lg")
        note = self.__dict__.get("_note")  # pyqtgraph resizes before __init__ has set it
        if note is not None:
            note.setGeometry(self.rect().adjusted(pad, pad, -pad, -pad))
        button = self.__dict__.get("reset_button")
        if button is not None:
            size = button.sizeHint()
            button.setGeometry(self.width() - size.width() - pad, pad // 2, size.width(),
                               size.height())  # fmt: skip

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place_note()

    def autorange(self) -> None:
        """Fit the data (only y when the x range follows a linked plot)."""
        self.getPlotItem().enableAutoRange(axis="y" if self.follow_x else "xy")


def percent_axis(plot: pg.PlotWidget) -> None:
    """Show the right axis in percent (values stay fractions)."""
    plot.getPlotItem().getAxis("right").setScale(100.0)
    plot.getPlotItem().getAxis("right").setLabel(units="%")


class EquityChart(HistoryPlot):
    """Live equity with the backtest before go-live (dashed), the go-live line, and the
    alert markers of a threshold replay."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Equity — backtest vs live", parent=parent)
        self.backtest = pg.PlotDataItem(name="Backtest")
        self.expected = pg.PlotDataItem(name="Expected (backtest growth)")
        self.live = pg.PlotDataItem(name="Live", connect="finite")
        self.go_live = pg.InfiniteLine(
            angle=90, movable=False, label="go-live", labelOpts={"position": 0.06}
        )
        self.markers = pg.ScatterPlotItem(size=9, symbol="t")
        for item in (self.backtest, self.expected, self.live, self.markers):
            self.addItem(item)
        self.addItem(self.go_live, ignoreBounds=True)
        self.legend().addItem(self.backtest, "Backtest")
        self.legend().addItem(self.expected, "Expected")
        self.legend().addItem(self.live, "Live")
        self._replay: ReplaySummary | None = None
        self._series: tuple[np.ndarray, np.ndarray] = (np.empty(0), np.empty(0))
        self.repen(style.current_theme())

    def repen(self, theme: Theme) -> None:
        dash = Qt.PenStyle.DashLine
        self.backtest.setPen(style.pen(theme, "colors.text.secondary", 1.0))
        self.expected.setPen(style.pen(theme, "colors.text.muted", 1.0, dash))
        self.live.setPen(style.pen(theme, "colors.chart.line", 1.0))
        self.go_live.setPen(style.pen(theme, "colors.accent.default", 1.0, Qt.PenStyle.DotLine))
        self.go_live.label.setColor(style.qcolor(theme, "colors.text.secondary"))
        if self._replay is not None:
            self.show_markers(self._replay)

    def show_result(self, result: HistoryAnalysis) -> None:
        self._series = (result.t, result.equity)
        self.live.setData(result.t, result.equity)
        self.backtest.setData(result.backtest_t, result.backtest_equity)
        self.expected.setData(result.expected_t, result.expected_equity)
        start = result.start_ts if result.start_ts is not None else -math.inf
        go_live = result.go_live_ts
        visible = go_live is not None and go_live >= start
        self.go_live.setVisible(visible)
        if go_live is not None and visible:
            self.go_live.setPos(go_live)
        self.show_markers(result.replay)
        self.autorange()

    def show_series(self, t: np.ndarray, equity: np.ndarray, replay: ReplaySummary | None) -> None:
        """Equity alone with the replay's markers (the threshold form's test)."""
        self._series = (t, equity)
        self.live.setData(t, equity)
        self.backtest.setData([], [])
        self.expected.setData([], [])
        self.legend().removeItem(self.backtest)
        self.legend().removeItem(self.expected)
        self.go_live.setVisible(False)
        self.show_markers(replay)
        self.autorange()

    def show_markers(self, replay: ReplaySummary | None) -> None:
        """A triangle on the equity curve where each alert would have fired."""
        self._replay = replay
        t, equity = self._series
        if replay is None or not replay.fired or t.size == 0:
            self.markers.setData([], [])
            return
        theme = style.current_theme()
        ts = np.array([a.ts for a in replay.fired])
        idx = np.clip(np.searchsorted(t, ts), 0, t.size - 1)
        brushes = [
            pg.mkBrush(style.qcolor(theme, _severity_token(a.severity))) for a in replay.fired
        ]
        tips = [f"{a.rule}: {a.severity.value}\n{a.message}" for a in replay.fired]
        self.markers.setData(x=ts, y=equity[idx], brush=brushes, pen=None, data=tips)


def _severity_token(status: Status) -> str:
    return (
        "colors.semantic.status.error"
        if status is Status.CRITICAL
        else ("colors.semantic.status.warning")
    )


class UnderwaterChart(HistoryPlot):
    """Drawdown from the running peak, filled down from zero."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Underwater (drawdown)", parent=parent)
        self.curve = pg.PlotDataItem(fillLevel=0.0)
        self.addItem(self.curve)
        percent_axis(self)
        self.repen(style.current_theme())

    def repen(self, theme: Theme) -> None:
        self.curve.setPen(style.pen(theme, "colors.semantic.loss", 1.0))
        self.curve.setBrush(pg.mkBrush(style.qcolor(theme, "colors.semantic.loss_subtle")))

    def show_result(self, result: HistoryAnalysis) -> None:
        self.curve.setData(result.t, result.underwater)
        self.autorange()


class RollingChart(HistoryPlot):
    """Rolling Sharpe (or volatility) of daily returns."""

    def __init__(self, what: str, parent: QWidget | None = None) -> None:
        title = "Rolling Sharpe" if what == "sharpe" else "Rolling volatility"
        super().__init__(title, parent=parent)
        self.what = what
        self.curve = pg.PlotDataItem(connect="finite")
        self.zero = pg.InfiniteLine(angle=0, pos=0.0, movable=False)
        self.addItem(self.curve)
        self.addItem(self.zero, ignoreBounds=True)
        if what != "sharpe":
            percent_axis(self)
        self.repen(style.current_theme())

    def repen(self, theme: Theme) -> None:
        token = "colors.chart.line" if self.what == "sharpe" else "colors.semantic.status.warning"
        self.curve.setPen(style.pen(theme, token, 1.0))
        self.zero.setPen(style.pen(theme, "colors.chart.baseline", 1.0, Qt.PenStyle.DashLine))

    def show_result(self, result: HistoryAnalysis) -> None:
        rolling = result.rolling
        values = rolling.sharpe if self.what == "sharpe" else rolling.volatility
        self.curve.setData(rolling.day, values)
        self.title = f"{'Rolling Sharpe' if self.what == 'sharpe' else 'Rolling volatility'}" + (
            f" ({rolling.window} days)"
        )
        enough = bool(np.isfinite(np.asarray(values, dtype=float)).any())
        self.set_note(
            ""
            if enough
            else f"Needs more than {rolling.window} days of returns: {result.n_days} so far."
        )
        self.autorange()


class DistributionChart(HistoryPlot):
    """Daily-return histogram: live bars, backtest outline."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Daily returns — live vs backtest", dates=False, parent=parent)
        # ~40 bins need neither clipping nor downsampling, and pyqtgraph's auto-downsampling
        # empties a step curve whose bins are narrow (one day of returns), then rejects it.
        self.getPlotItem().setClipToView(False)
        self.getPlotItem().setDownsampling(auto=False)
        self.bars = pg.BarGraphItem(x=[], height=[], width=1.0)
        self.backtest = pg.PlotDataItem(stepMode="center")
        self.addItem(self.bars)
        self.addItem(self.backtest)
        self.getPlotItem().getAxis("bottom").setScale(100.0)
        self.getPlotItem().getAxis("bottom").setLabel(units="%")
        self.legend().addItem(self.bars, "Live")
        self.legend().addItem(self.backtest, "Backtest")
        self.repen(style.current_theme())

    def repen(self, theme: Theme) -> None:
        fill = style.qcolor(theme, "colors.chart.line")
        fill.setAlpha(110)
        self.bars.setOpts(brush=pg.mkBrush(fill), pen=pg.mkPen(None))
        self.backtest.setPen(style.pen(theme, "colors.text.secondary", 1.0))

    def show_result(self, result: HistoryAnalysis) -> None:
        d = result.distribution
        if d.edges.size < 2:  # too little history for a histogram
            self.bars.setOpts(x=[], height=[])
            self.backtest.clear()  # (setData([], []) raises in step mode)
            self.title = "Daily returns — live vs backtest (not enough days yet)"
            return
        centers = (d.edges[:-1] + d.edges[1:]) / 2
        self.bars.setOpts(x=centers, height=d.live, width=float(d.edges[1] - d.edges[0]) * 0.9)
        if d.backtest.size == d.edges.size - 1:
            self.backtest.setData(d.edges, d.backtest)
        else:  # no backtest profile stored
            self.backtest.clear()
        p = d.ks_p_value
        self.title = "Daily returns — live vs backtest" + (
            f"  (KS p = {p:.2f})" if math.isfinite(p) else ""
        )
        self.autorange()


class ConeChart(HistoryPlot):
    """Bootstrap cone (5–95 % and 25–75 % bands, median) with the live wealth path."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Forecast cone from the backtest", dates=False, parent=parent)
        self.lines = [pg.PlotDataItem() for _ in range(5)]
        for line in self.lines:
            self.addItem(line)
        self.outer = pg.FillBetweenItem(self.lines[0], self.lines[4])
        self.inner = pg.FillBetweenItem(self.lines[1], self.lines[3])
        self.addItem(self.outer)
        self.addItem(self.inner)
        self.live = pg.PlotDataItem(name="Live")
        self.addItem(self.live)
        self.getPlotItem().getAxis("bottom").setLabel("days since range start")
        self.repen(style.current_theme())

    def repen(self, theme: Theme) -> None:
        band = style.qcolor(theme, "colors.semantic.status.info")
        for alpha, fill in ((34, self.outer), (60, self.inner)):
            band.setAlpha(alpha)
            fill.setBrush(pg.mkBrush(band))
        edge = style.pen(theme, "colors.chart.baseline", 1.0)
        for line in self.lines:
            line.setPen(edge)
        self.lines[2].setPen(style.pen(theme, "colors.text.muted", 1.0, Qt.PenStyle.DashLine))
        self.live.setPen(style.pen(theme, "colors.semantic.status.warning", 1.0))

    def show_result(self, result: HistoryAnalysis) -> None:
        cone = result.cone
        if cone is None:
            for line in (*self.lines, self.live):
                line.setData([], [])
            return
        for line, band in zip(self.lines, cone.bands, strict=True):
            line.setData(cone.days, band)
        self.live.setData(cone.days[: cone.live.size], cone.live)
        self.title = f"Forecast cone — live at the {cone.live_percentile * 100:.0f}th percentile"
        self.autorange()


class AlertsPerMonthChart(HistoryPlot):
    """Stacked bars: alerts per month the replayed rule set would have raised."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Alerts per month (rule replay)", dates=False, parent=parent)
        self.warning = pg.BarGraphItem(x=[], height=[], width=0.6)
        self.critical = pg.BarGraphItem(x=[], height=[], width=0.6)
        self.addItem(self.warning)
        self.addItem(self.critical)
        self.months: list[str] = []
        self.empty = pg.TextItem("", anchor=(0.5, 0.5))
        self.addItem(self.empty, ignoreBounds=True)
        self.repen(style.current_theme())

    def repen(self, theme: Theme) -> None:
        for item, token in ((self.warning, "warning"), (self.critical, "error")):
            brush = pg.mkBrush(style.qcolor(theme, f"colors.semantic.status.{token}"))
            item.setOpts(brush=brush, pen=pg.mkPen(None))
        self.empty.setColor(style.qcolor(theme, "colors.text.muted"))

    def show_replay(self, replay: ReplaySummary | None, months: list[str]) -> None:
        self.months = months
        counts = replay.per_month if replay else {}
        warn = np.array([counts.get(m, {}).get("warning", 0) for m in months], dtype=float)
        crit = np.array([counts.get(m, {}).get("critical", 0) for m in months], dtype=float)
        x = np.arange(len(months), dtype=float)
        self.warning.setOpts(x=x, height=warn, y0=np.zeros_like(x))
        self.critical.setOpts(x=x, height=crit, y0=warn)
        axis = self.getPlotItem().getAxis("bottom")
        axis.setTicks([[(i, m[2:]) for i, m in enumerate(months)]])
        quiet = replay is not None and not replay.fired
        self.empty.setText("No alert would have fired" if quiet else "")
        self.empty.setPos((len(months) - 1) / 2, 0.5)
        plot = self.getPlotItem()
        if quiet:  # nothing to fit: 0–1 (an auto range around zero-height bars shows −0.4)
            plot.enableAutoRange(axis="x")
            plot.disableAutoRange(axis="y")
            plot.setYRange(0, 1, padding=0)
        else:
            self.autorange()


class CompareChart(HistoryPlot):
    """Several strategies' equity normalised to 1.0 at their range start."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Growth of 1 — side by side", parent=parent)
        self.curves: list[pg.PlotDataItem] = []

    def show_many(self, results: list[HistoryAnalysis]) -> None:
        for curve in self.curves:
            self.removeItem(curve)
            self.legend().removeItem(curve)
        self.curves = []
        theme = style.current_theme()
        for i, result in enumerate(results):
            if result.equity.size == 0:
                continue
            token = SERIES_TOKENS[i % len(SERIES_TOKENS)]
            curve = pg.PlotDataItem(result.t, result.equity / result.equity[0], connect="finite")
            curve.setPen(style.pen(theme, token, 1.0))
            self.addItem(curve)
            self.legend().addItem(curve, result.name)
            self.curves.append(curve)
        self.autorange()
