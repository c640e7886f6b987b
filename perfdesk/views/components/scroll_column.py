"""ScrollColumn: a frameless scroll area around a column of widgets.

The column (`body`, object name "ScrollBody" so the theme paints it like the page) is as
wide as the area and scrolls vertically when it is taller: a form or a stack of panels
stays whole on a short window instead of raising the window's minimum height.
`column` is the body's QVBoxLayout; add more widgets or layouts to it after construction.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QScrollArea, QVBoxLayout, QWidget


class ScrollColumn(QScrollArea):
    """`ScrollColumn(form, margins=(0, 0, pad, 0))`: `form` scrolls when the window is short."""

    def __init__(
        self,
        *widgets: QWidget,
        margins: tuple[int, int, int, int] = (0, 0, 0, 0),
        spacing: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.body = QWidget()
        self.body.setObjectName("ScrollBody")
        self.column = QVBoxLayout(self.body)
        self.column.setContentsMargins(*margins)
        if spacing is not None:
            self.column.setSpacing(spacing)
        for widget in widgets:
            self.column.addWidget(widget)
        self.setWidget(self.body)
