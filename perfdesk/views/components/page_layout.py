"""page_column: a page's outer column, with the same margins and spacing on every page."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from perfdesk.views.support import style


def page_column(page: QWidget) -> QVBoxLayout:
    """`page`'s layout: the xl margin all round, md between its parts."""
    theme = style.current_theme()
    column = QVBoxLayout(page)
    margin = theme.px("spacing.semantic.xl")
    column.setContentsMargins(margin, margin, margin, margin)
    column.setSpacing(theme.px("spacing.semantic.md"))
    return column
