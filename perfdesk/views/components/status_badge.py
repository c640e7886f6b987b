"""Status badge (a tinted pill per verification Status) and state indicators.

The colours come from the QSS (`QLabel[kind="badge"][status=...]`); `paint_badge`
draws the same pill inside item views from the same tokens.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QFontMetrics, QPainter
from PySide6.QtWidgets import QLabel, QWidget

from perfdesk.domain.status import FeedState, Status, StrategyState
from perfdesk.theme.theme import Theme
from perfdesk.views.support import style

LABELS = {
    Status.OK: "OK",
    Status.INSUFFICIENT_DATA: "NO DATA",
    Status.WARNING: "WARNING",
    Status.CRITICAL: "CRITICAL",
}
TOKEN_OF = {
    Status.OK: "success",
    Status.INSUFFICIENT_DATA: "neutral",
    Status.WARNING: "warning",
    Status.CRITICAL: "error",
}
DOT = "\u25cf"
GLYPHS = {
    Status.OK: "\u2713",  # check mark
    Status.INSUFFICIENT_DATA: "\u2013",  # en dash: nothing to judge yet
    Status.WARNING: "!",
    Status.CRITICAL: "\u2715",  # multiplication x
}
"""The compact badge's mark: the shape tells the status apart without the colour."""


class StatusBadge(QLabel):
    """A pill showing one Status; `status` is readable for tests and tooltips."""

    def __init__(self, status: Status = Status.INSUFFICIENT_DATA, parent: QWidget | None = None):
        super().__init__(parent)
        self.setProperty("kind", "badge")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status = status
        self._apply(status)

    def set_status(self, status: Status, tooltip: str = "") -> None:
        self.setToolTip(tooltip)
        if status is not self.status or self.text() != LABELS[status]:
            self.status = status
            self._apply(status)

    def _apply(self, status: Status) -> None:
        self.setText(LABELS[status])
        self.setAccessibleName(f"Verification status: {LABELS[status]}")
        style.set_style_property(self, "status", status.value)


class StateIndicator(QLabel):
    """A coloured dot and a word for a strategy state or a feed state."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.value = ""

    def set_state(self, state: StrategyState | FeedState, prefix: str = "") -> None:
        if state.value == self.value:
            return
        self.value = state.value
        self.setText(f"{DOT} {prefix}{state.value.capitalize()}")
        style.set_style_property(self, "indicator", state.value)


def paint_badge(
    painter: QPainter, rect: QRect, status: Status, theme: Theme, *, compact: bool = False
) -> None:
    """Draw the badge pill centred-left in `rect` (for item delegates).

    `compact`: a round mark (GLYPHS) centred in `rect`, for narrow columns of many statuses.
    """
    text = GLYPHS[status] if compact else LABELS[status]
    token = TOKEN_OF[status]
    font = style.typography_font(theme, "typography.semantic.caption")
    font.setBold(True)
    metrics = QFontMetrics(font)
    height = metrics.height() + 4
    if compact:
        width = float(max(height, metrics.horizontalAdvance(text) + 8))
        left = rect.center().x() - width / 2 + 1
    else:
        width = metrics.horizontalAdvance(text) + 16
        left = rect.left() + 8
    pill = QRectF(left, rect.center().y() - height / 2 + 1, width, height)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(style.qcolor(theme, f"colors.semantic.status_subtle.{token}"))
    painter.drawRoundedRect(pill, height / 2, height / 2)
    painter.setPen(style.qcolor(theme, f"colors.semantic.status.{token}"))
    painter.setFont(font)
    painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)
    painter.restore()
