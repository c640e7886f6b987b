"""Sparkline: a strategy card's equity line, painted directly by one plain widget.

A pyqtgraph PlotWidget per card (graphics scene, view box, hidden axes, bounding-rect
bookkeeping and range signals on every update) cost the GUI thread most of each live
frame with 20 cards (`perfdesk bench gui`). This widget keeps only what a card shows:
the peak-decimated line (at most two points per pixel column, so peaks and troughs
survive), a dashed baseline at the start value, and a crosshair read-out on hover.
X values are POSIX seconds. Signals: hovered(float t, float value).
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from perfdesk.theme.theme import Theme
from perfdesk.views.components.performance_chart import Trend, peak_decimate, sample_at
from perfdesk.views.support import style

FloatArray = npt.NDArray[np.float64]
_TREND_TOKENS = {"profit": "colors.semantic.profit", "loss": "colors.semantic.loss"}
_PAD = 0.06  # of the value range, above and below


class Sparkline(QWidget):
    hovered = Signal(float, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._t: FloatArray = np.empty(0)
        self._y: FloatArray = np.empty(0)
        self._baseline: float | None = None
        self._trend: Trend = "line"
        self._path: QPainterPath | None = None  # in widget pixels; rebuilt when stale
        self._range: tuple[float, float, float, float] | None = None  # t0, t1, lo, hi
        self._hover: tuple[float, float] | None = None
        self.setMouseTracking(True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.setMinimumHeight(style.current_theme().px("size.card_chart_height"))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.apply_theme(style.current_theme())
        style.theme_manager().changed.connect(self.apply_theme)

    def sizeHint(self) -> QSize:
        """As tall as pyqtgraph's plot was (the card grid sizes rows from it)."""
        return QSize(256, 192)

    # --- data ---------------------------------------------------------------------------

    def set_series(self, t: npt.ArrayLike, y: npt.ArrayLike, baseline: float | None = None) -> None:
        """Replace the data. `t` POSIX seconds, `y` values; `baseline` draws a dashed level."""
        self._t = np.asarray(t, dtype=np.float64)
        self._y = np.asarray(y, dtype=np.float64)
        self._baseline = baseline
        self._path = None
        self.update()

    def series(self) -> tuple[FloatArray, FloatArray]:
        return self._t, self._y

    def set_trend(self, trend: Trend) -> None:
        """Colour the line by P/L ("profit"/"loss") or neutrally ("line")."""
        if trend != self._trend:
            self._trend = trend
            self._line_pen = style.pen(
                style.current_theme(), _TREND_TOKENS.get(trend, "colors.chart.line")
            )
            self.update()

    def line_color(self) -> QColor:
        return self._line_pen.color()

    def apply_theme(self, theme: Theme) -> None:
        self._background = style.qcolor(theme, "colors.chart.background")
        self._line_pen = style.pen(theme, _TREND_TOKENS.get(self._trend, "colors.chart.line"))
        self._baseline_pen = style.pen(theme, "colors.chart.baseline", style=Qt.PenStyle.DashLine)
        self._cross_pen = style.pen(theme, "colors.chart.crosshair", style=Qt.PenStyle.DotLine)
        self._label_color = style.qcolor(theme, "colors.text.primary")
        self._label_fill = style.qcolor(theme, "colors.surface.header")
        self.update()

    # --- crosshair ----------------------------------------------------------------------

    def value_at(self, x: float) -> tuple[float, float] | None:
        """The sample nearest at or before `x` (what the crosshair reads out)."""
        return sample_at(self._t, self._y, x)

    def show_crosshair_at(self, x: float) -> None:
        self._hover = self.value_at(x)
        self.update()
        if self._hover is not None:
            self.hovered.emit(*self._hover)

    def hide_crosshair(self) -> None:
        if self._hover is not None:
            self._hover = None
            self.update()

    def crosshair(self) -> tuple[float, float] | None:
        return self._hover

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        rng = self._ranges()
        if rng is None or self.width() < 2:
            return
        t0, t1, _lo, _hi = rng
        self.show_crosshair_at(t0 + (t1 - t0) * event.position().x() / (self.width() - 1))

    def leaveEvent(self, event: QEvent) -> None:
        self.hide_crosshair()
        super().leaveEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._path = None

    # --- painting -----------------------------------------------------------------------

    def _ranges(self) -> tuple[float, float, float, float] | None:
        if self._path is None:
            self._range = None
            finite = np.isfinite(self._y)
            if self._t.size >= 2 and finite.any():
                y = self._y[finite]
                lo, hi = float(y.min()), float(y.max())
                if self._baseline is not None:
                    lo, hi = min(lo, self._baseline), max(hi, self._baseline)
                pad = (hi - lo) * _PAD or abs(hi) * 1e-3 or 1.0
                self._range = (float(self._t[0]), float(self._t[-1]), lo - pad, hi + pad)
        return self._range

    def _to_px(self, t: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
        assert self._range is not None
        t0, t1, lo, hi = self._range
        w, h = max(1, self.width() - 1), max(1, self.height() - 1)
        return (t - t0) * (w / ((t1 - t0) or 1.0)), (hi - y) * (h / (hi - lo))

    def _build_path(self) -> QPainterPath:
        rng = self._ranges()
        if rng is None:
            return QPainterPath()
        t, y = self._t, self._y
        finite = bool(np.isfinite(y).all())
        if finite:
            t, y = peak_decimate(t, y, max(64, self.width()))
        x_px, y_px = self._to_px(t, y)
        return pg.arrayToQPath(x_px, y_px, connect="all" if finite else "finite")

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self._background)
        if self._path is None:
            self._path = self._build_path()
        if self._range is None:
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if self._baseline is not None:
            _, base_y = self._to_px(np.zeros(1), np.array([self._baseline]))
            painter.setPen(self._baseline_pen)
            painter.drawLine(QPointF(0, base_y[0]), QPointF(self.width(), base_y[0]))
        painter.setPen(self._line_pen)
        painter.drawPath(self._path)
        if self._hover is not None:
            self._paint_crosshair(painter, *self._hover)

    def _paint_crosshair(self, painter: QPainter, t: float, value: float) -> None:
        x_px, y_px = self._to_px(np.array([t]), np.array([value]))
        x, y = float(x_px[0]), float(y_px[0])
        painter.setPen(self._cross_pen)
        painter.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        painter.drawLine(QPointF(0, y), QPointF(self.width(), y))
        text = f"{datetime.fromtimestamp(t):%Y-%m-%d %H:%M}  {value:,.2f}"
        metrics = painter.fontMetrics()
        box = QRectF(metrics.boundingRect(text)).adjusted(-4, -2, 4, 2)
        box.moveTo(min(max(0.0, x + 6), self.width() - box.width()), 2)
        painter.fillRect(box, self._label_fill)
        painter.setPen(QPen(self._label_color))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
