"""Button: a QPushButton whose look is chosen by a token-styled `variant`."""

from __future__ import annotations

from typing import Literal

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QPushButton, QWidget

Variant = Literal["primary", "secondary", "danger", "ghost"]


class Button(QPushButton):
    """A push button: `primary` for the one main action, `danger`, `ghost` or default."""

    def __init__(
        self,
        text: str,
        variant: Variant = "secondary",
        parent: QWidget | None = None,
        *,
        tooltip: str = "",
        shortcut: QKeySequence | str | None = None,
    ) -> None:
        super().__init__(text, parent)
        self.setProperty("variant", variant)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        if shortcut is not None:
            self.setShortcut(QKeySequence(shortcut))
            keys = self.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            tooltip = f"{tooltip} ({keys})".strip()
        self.setToolTip(tooltip)

    @property
    def variant(self) -> str:
        return str(self.property("variant"))
