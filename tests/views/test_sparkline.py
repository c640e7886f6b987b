"""The card's sparkline: the line in the trend's token colour, a baseline, a crosshair
that reads the sample under the mouse — painted by a plain widget (real Qt, offscreen)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QMouseEvent
from PySide6.QtWidgets import QApplication

from perfdesk.views.components.sparkline import Sparkline
from perfdesk.views.support.style import current_theme, qcolor

T0 = 1_760_000_000.0


def _colors(line: Sparkline) -> set[tuple[int, int, int]]:
    image = line.grab().toImage()
    return {
        QColor(image.pixel(x, y)).getRgb()[:3]
        for x in range(0, image.width(), 2)
        for y in range(image.height())
    }


def _rgb(token: str) -> tuple[int, int, int]:
    return qcolor(current_theme(), token).getRgb()[:3]


def _painted(line: Sparkline, token: str, tolerance: int = 40) -> bool:
    """Some pixel is (nearly: antialiased 1-px lines blend) the token's colour."""
    want = _rgb(token)
    return any(
        sum(abs(a - b) for a, b in zip(c, want, strict=True)) <= tolerance for c in _colors(line)
    )


def test_paints_the_series_in_the_trend_colour(qtbot) -> None:
    line = Sparkline()
    qtbot.addWidget(line)
    line.resize(300, 100)
    line.show()
    t = T0 + np.arange(5_000.0)
    y = 1e6 + np.cumsum(np.random.default_rng(3).normal(0, 100, t.size))
    line.set_series(t, y, baseline=float(y[0]))
    line.set_trend("loss")
    assert line.line_color() == qcolor(current_theme(), "colors.semantic.loss")
    assert _painted(line, "colors.semantic.loss")
    assert not _painted(line, "colors.semantic.profit")
    line.set_trend("profit")
    assert _painted(line, "colors.semantic.profit")
    assert line.series()[0].size == 5_000  # the full series is kept; only drawing decimates


def test_empty_and_gappy_series_paint_without_error(qtbot) -> None:
    line = Sparkline()
    qtbot.addWidget(line)
    line.resize(200, 80)
    assert _colors(line) == {_rgb("colors.chart.background")}  # nothing yet: background only
    y = np.array([1.0, 2.0, np.nan, 3.0, 2.5])
    line.set_series(T0 + np.arange(5.0), y)
    line.set_trend("profit")
    assert _painted(line, "colors.semantic.profit")


def test_crosshair_reads_the_sample_under_the_mouse(qtbot) -> None:
    line = Sparkline()
    qtbot.addWidget(line)
    line.resize(101, 60)
    line.show()
    t = T0 + np.arange(11.0) * 10
    y = 100.0 + np.arange(11.0)
    line.set_series(t, y)
    with qtbot.waitSignal(line.hovered) as seen:
        move = QMouseEvent(
            QMouseEvent.Type.MouseMove, QPointF(50, 30), QPointF(line.mapToGlobal(QPoint(50, 30))),
            Qt.MouseButton.NoButton, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
        )  # fmt: skip
        QApplication.sendEvent(line, move)
    assert seen.args == [T0 + 50.0, 105.0]  # the middle pixel is the middle sample
    assert line.crosshair() == (T0 + 50.0, 105.0)
    line.hide_crosshair()
    assert line.crosshair() is None
