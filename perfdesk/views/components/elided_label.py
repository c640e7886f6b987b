"""ElidedLabel: one line shortened with "…" to the room it gets; the full text in the tooltip."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class ElidedLabel(QLabel):
    """A one-line label that shortens its text with "…" to the room it gets (the full
    text in the tooltip) instead of pushing its neighbours aside or widening the window."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.full_text = ""
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def setText(self, text: str) -> None:
        self.full_text = text
        self.setToolTip(text)
        super().setText(text)
        self.updateGeometry()  # the size hint follows the full text
        self._elide()

    def text(self) -> str:
        """The full text (what is shown may be shortened)."""
        return self.full_text

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:
        """The FULL text's width (the shown text may be shortened), at most 640 px."""
        hint = super().sizeHint()
        full = self.fontMetrics().horizontalAdvance(self.full_text) + 8
        return QSize(min(full, 640), hint.height())

    def _elide(self) -> None:
        shown = self.fontMetrics().elidedText(
            self.full_text, Qt.TextElideMode.ElideRight, max(0, self.width())
        )
        if shown != QLabel.text(self):
            super().setText(shown)
