"""Performance chart: an equity curve over time (pyqtgraph) with a crosshair read-out.

Large series stay cheap: `setData` with clip-to-view and peak downsampling, and a
cosmetic 1-px pen (a wider pen on 1 M points costs seconds per repaint). X values are
POSIX seconds (UTC), shown in local time by the date axis.
Signals: hovered(float t, float value) while the crosshair is over the curve.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, Qt, Signal
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QWidget

from perfdesk.theme.theme import Theme
from perfdesk.views.components.value_axis import ValueAxis
from perfdesk.views.support import style

Trend = str  # "line" | "profit" | "loss"


class PerformanceChart(pg.PlotWidget):
    """Equity (or any value) over time. `compact=True` is the sparkline used on cards."""

    hovered = Signal(float, float)

    def __init__(self, parent: QWidget | None = None, *, compact: bool = False, fill: bool = True):
        axes = {"bottom": pg.DateAxisItem(orientation="bottom")}
        if not compact:
            axes["right"] = ValueAxis(orientation="right")
        super().__init__(parent, axisItems=axes)
        self.compact = compact
        self._fill = fill
        self._trend: Trend = "line"
        self._t: npt.NDArray[np.float64] = np.empty(0)
        self._y: npt.NDArray[np.float64] = np.empty(0)
        self.curve = pg.PlotDataItem()
        # Unchanged curves repaint from a pixmap: a window repaint (a label changed
        # elsewhere) then costs a blit, not a re-stroke of the path.
        self.curve.curve.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.addItem(self.curve)
        self.area = _Area()
        self.area.setPen(QPen(Qt.PenStyle.NoPen))
        self.area.setZValue(-1)
        self.area.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        if compact:
            self.addItem(self.area, ignoreBounds=True)
        # Set on the PlotItem: it pushes its own settings onto every item it holds.
        self.getPlotItem().setClipToView(True)
        self.getPlotItem().setDownsampling(auto=True, mode="peak")
        self.baseline = pg.InfiniteLine(angle=0, movable=False)
        self.addItem(self.baseline, ignoreBounds=True)
        self._setup_crosshair()
        self._setup_plot()
        self.apply_theme(style.current_theme())
        style.theme_manager().changed.connect(self.apply_theme)

    def _setup_plot(self) -> None:
        item = self.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        self.setMouseEnabled(x=not self.compact, y=False)
        if self.compact:
            for name in ("bottom", "left", "right", "top"):
                item.hideAxis(name)
                item.getAxis(name).unlinkFromView()  # hidden axes still re-label per range change
            item.layout.setContentsMargins(0, 0, 0, 0)
            item.getViewBox().disableAutoRange()
            self.setMinimumHeight(style.current_theme().px("size.card_chart_height"))
        else:
            item.showAxis("right")
            item.hideAxis("left")
        self.setAntialiasing(True)

    def _setup_crosshair(self) -> None:
        self.v_line = pg.InfiniteLine(angle=90, movable=False)
        self.h_line = pg.InfiniteLine(angle=0, movable=False)
        self.label = pg.TextItem(anchor=(0, 1))
        for item in (self.v_line, self.h_line, self.label):
            item.setVisible(False)
            item.setZValue(20)
            self.addItem(item, ignoreBounds=True)
        self._proxy = pg.SignalProxy(self.scene().sigMouseMoved, rateLimit=30, slot=self._on_mouse)

    def apply_theme(self, theme: Theme) -> None:
        """Re-pen from tokens (called on start and whenever the theme changes)."""
        style_plot(self, theme)
        grid_alpha = theme.rgba("colors.chart.grid")[3] / 255
        # No grid on sparklines: drawing it costs ~4x the curve itself.
        self.getPlotItem().showGrid(x=not self.compact, y=not self.compact, alpha=grid_alpha)
        self.baseline.setPen(style.pen(theme, "colors.chart.baseline", style=Qt.PenStyle.DashLine))
        cross = style.pen(theme, "colors.chart.crosshair", style=Qt.PenStyle.DotLine)
        self.v_line.setPen(cross)
        self.h_line.setPen(cross)
        self.label.setColor(style.qcolor(theme, "colors.text.primary"))
        self.label.fill = pg.mkBrush(style.qcolor(theme, "colors.surface.header"))
        self._apply_curve_pen(theme)

    def _apply_curve_pen(self, theme: Theme) -> None:
        token = {"profit": "colors.semantic.profit", "loss": "colors.semantic.loss"}.get(
            self._trend, "colors.chart.line"
        )
        self.curve.setPen(style.pen(theme, token, 1.0))
        if self._fill:
            fill = style.qcolor(theme, token)
            fill.setAlpha(28)
            if self.compact:
                self.area.setBrush(fill)
            else:
                self.curve.setFillLevel(self._fill_level())
                self.curve.setBrush(pg.mkBrush(fill))

    def _fill_level(self) -> float:
        return float(np.nanmin(self._y)) if self._y.size else 0.0

    def set_series(self, t: npt.ArrayLike, y: npt.ArrayLike, baseline: float | None = None) -> None:
        """Replace the data. `t` POSIX seconds, `y` values; `baseline` draws a dashed level."""
        self._t = np.asarray(t, dtype=np.float64)
        self._y = np.asarray(y, dtype=np.float64)
        finite = bool(np.isfinite(self._y).all())
        full_fill = self._fill and not self.compact and self._y.size
        extra = {"fillLevel": self._fill_level()} if full_fill else {}
        dt, dy = self._t, self._y
        if self.compact and finite:
            dt, dy = peak_decimate(dt, dy, max(64, self.width()))
        # One path when there is no gap: "finite" splits the fill into many small paths.
        self.curve.setData(dt, dy, connect="all" if finite else "finite", **extra)
        if self.compact:
            floor = self._fit_compact(baseline)
            if self._fill and floor is not None and finite:
                self._set_area(dt, dy, floor)
        self.baseline.setVisible(baseline is not None)
        if baseline is not None:
            self.baseline.setPos(baseline)

    def _fit_compact(self, baseline: float | None) -> float | None:
        """Set the sparkline's ranges directly (auto-range costs more than the drawing).

        Returns the bottom of the y range (where the area under the line ends)."""
        y = self._y[np.isfinite(self._y)]
        if self._t.size < 2 or y.size == 0:
            return None
        lo, hi = float(y.min()), float(y.max())
        if baseline is not None:
            lo, hi = min(lo, baseline), max(hi, baseline)
        pad = (hi - lo) * 0.06 or abs(hi) * 1e-3 or 1.0
        self.getPlotItem().getViewBox().setRange(
            xRange=(self._t[0], self._t[-1]), yRange=(lo - pad, hi + pad), padding=0
        )
        return lo - pad

    def _set_area(
        self, t: npt.NDArray[np.float64], y: npt.NDArray[np.float64], floor: float
    ) -> None:
        """The tinted area under a sparkline: one closed, cached path (pyqtgraph's own fill
        splits into many paths and costs several times the line)."""
        path = pg.arrayToQPath(t, y, connect="all")
        path.lineTo(float(t[-1]), floor)
        path.lineTo(float(t[0]), floor)
        path.closeSubpath()
        self.area.setPath(path)

    def set_trend(self, trend: Trend) -> None:
        """Colour the curve by P/L ("profit"/"loss") or neutrally ("line")."""
        if trend != self._trend:
            self._trend = trend
            self._apply_curve_pen(style.current_theme())

    def series(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        return self._t, self._y

    def value_at(self, x: float) -> tuple[float, float] | None:
        """The sample nearest at or before `x` (what the crosshair reads out)."""
        return sample_at(self._t, self._y, x)

    def show_crosshair_at(self, x: float) -> None:
        """Move the crosshair to time `x` and show the read-out (also used by tests)."""
        hit = self.value_at(x)
        visible = hit is not None
        for item in (self.v_line, self.h_line, self.label):
            item.setVisible(visible)
        if hit is None:
            return
        t, y = hit
        self.v_line.setPos(t)
        self.h_line.setPos(y)
        stamp = datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M:%S")
        self.label.setText(f"{stamp}\n{y:,.2f}")
        self.label.setPos(t, y)
        self.hovered.emit(t, y)

    def hide_crosshair(self) -> None:
        for item in (self.v_line, self.h_line, self.label):
            item.setVisible(False)

    def _on_mouse(self, args: tuple[QPointF]) -> None:
        pos = args[0]
        vb = self.getPlotItem().vb
        if not self.sceneBoundingRect().contains(pos) or not vb.sceneBoundingRect().contains(pos):
            self.hide_crosshair()
            return
        self.show_crosshair_at(vb.mapSceneToView(pos).x())

    def leaveEvent(self, event: QEvent) -> None:
        self.hide_crosshair()
        super().leaveEvent(event)


class _Area(QGraphicsPathItem):
    """Area under a sparkline, filled without antialiasing (the line on top is smooth;
    an antialiased fill of the whole area costs as much as the rest of the frame)."""

    def paint(self, painter: QPainter, option: Any, widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        super().paint(painter, option, widget)


def style_plot(plot: pg.PlotWidget, theme: Theme) -> None:
    """Background, axis and label colours of any pyqtgraph plot from the tokens."""
    plot.setBackground(style.qcolor(theme, "colors.chart.background"))
    text_pen = style.pen(theme, "colors.chart.axis")
    item = plot.getPlotItem()
    for name in ("bottom", "right", "left", "top"):
        axis = item.getAxis(name)
        axis.setPen(style.pen(theme, "colors.border.default"))
        axis.setTextPen(text_pen)
    item.titleLabel.setAttr("color", style.qcolor(theme, "colors.text.secondary"))


def sample_at(
    t: npt.NDArray[np.float64], y: npt.NDArray[np.float64], x: float
) -> tuple[float, float] | None:
    """The sample at or before time `x` (the first one before the series starts); None when
    there is none. What a chart's crosshair reads out."""
    if t.size == 0:
        return None
    i = int(np.clip(np.searchsorted(t, x, side="right") - 1, 0, t.size - 1))
    return float(t[i]), float(y[i])


def peak_decimate(
    t: npt.NDArray[np.float64], y: npt.NDArray[np.float64], buckets: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """At most 2 points (the min and the max, in time order) per bucket of samples.

    For sparklines a few pixels wide per bucket: peaks and troughs survive, the path
    to build and paint shrinks to ~2 points per pixel column. Needs finite `y`.
    """
    n = t.size
    if n <= 2 * buckets:
        return t, y
    size = -(-n // buckets)
    pad = size * buckets - n
    yy = np.concatenate([y, np.full(pad, y[-1])]).reshape(buckets, size)
    base = np.arange(buckets) * size
    lo = np.minimum(base + yy.argmin(axis=1), n - 1)
    hi = np.minimum(base + yy.argmax(axis=1), n - 1)
    pairs = np.stack([np.minimum(lo, hi), np.maximum(lo, hi)], axis=1).ravel()
    idx = np.concatenate([[0], pairs, [n - 1]])  # already in time order
    return t[idx], y[idx]
