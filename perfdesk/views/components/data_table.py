"""Data table: a model over plain rows with columns declared once, and its view.

`RowTableModel.upsert(rows)` updates rows in place by key (one dataChanged per changed
row) and appends new ones; nothing is re-inserted per update. Sorting uses SORT_ROLE
(the raw value), so numbers sort as numbers. A column with `badge=True` yields a
Status under BADGE_ROLE, which `BadgeDelegate` paints as a status pill.

Narrow columns for a matrix of statuses: `extra={"compact": True}` paints the badge as a
round mark (status_badge.GLYPHS) and `extra={"vertical_title": True}` writes the column's
title bottom-to-top in the header (`DataTableHeader`), so a column needs only the mark's width.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import (
    QFont,
    QFontMetrics,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QPalette,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionHeader,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from perfdesk.domain.status import Status
from perfdesk.views.components import table_copy
from perfdesk.views.components.status_badge import LABELS, paint_badge
from perfdesk.views.components.table_roles import BADGE_ROLE, SORT_ROLE
from perfdesk.views.support import style

R = TypeVar("R")
KEY_ROLE = Qt.ItemDataRole.UserRole + 3
COMPACT_ROLE = Qt.ItemDataRole.UserRole + 4
VERTICAL_TITLE_ROLE = Qt.ItemDataRole.UserRole + 5
Index = QModelIndex | QPersistentModelIndex
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def _text(value: Any) -> str:
    return "—" if value is None else str(value)


@dataclass(frozen=True)
class Column(Generic[R]):
    """One column: how to get the raw value from a row and how to show it.

    `pnl=True` colours the text by the sign of the raw value (profit/loss tokens);
    `display(row)` overrides `fmt(value)` when the text needs more than the value.
    """

    key: str
    title: str
    value: Callable[[R], Any]
    fmt: Callable[[Any], str] = _text
    align: Qt.AlignmentFlag = LEFT
    tooltip: str = ""
    width: int | None = None
    pnl: bool = False
    badge: bool = False
    display: Callable[[R], str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class RowTableModel(QAbstractTableModel, Generic[R]):
    """Rows keyed by `key(row)`; columns fixed at construction (or appended)."""

    def __init__(self, columns: Sequence[Column[R]], key: Callable[[R], str], parent: Any = None):
        super().__init__(parent)
        self.columns: list[Column[R]] = list(columns)
        self._key = key
        self._rows: list[R] = []
        self._index: dict[str, int] = {}

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        column = self.columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.title.upper()
        if role == VERTICAL_TITLE_ROLE:
            return column.title.upper() if column.extra.get("vertical_title") else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.tooltip or None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            # at the bottom, next to the rows, when vertical titles make the header tall
            horizontal = column.align & Qt.AlignmentFlag.AlignHorizontal_Mask
            return int(horizontal | Qt.AlignmentFlag.AlignBottom)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (
            not index.isValid()
            or index.row() >= len(self._rows)
            or index.column() >= len(self.columns)
        ):
            return None
        row, column = self._rows[index.row()], self.columns[index.column()]
        handler = _ROLE_HANDLERS.get(int(role))
        return handler(row, column) if handler else None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def upsert(self, rows: Iterable[R]) -> None:
        """Update rows in place by key; append rows with new keys at the end."""
        fresh: list[R] = []
        for row in rows:
            i = self._index.get(self._key(row))
            if i is None:
                fresh.append(row)
            elif self._rows[i] != row:
                self._rows[i] = row
                self.dataChanged.emit(self.index(i, 0), self.index(i, len(self.columns) - 1))
        if fresh:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(fresh) - 1)
            for row in fresh:
                self._index[self._key(row)] = len(self._rows)
                self._rows.append(row)
            self.endInsertRows()

    def remove(self, keys: Iterable[str]) -> None:
        """Remove rows by key (rare: a strategy was deleted)."""
        for key in keys:
            i = self._index.get(key)
            if i is None:
                continue
            self.beginRemoveRows(QModelIndex(), i, i)
            del self._rows[i]
            self._index = {self._key(r): n for n, r in enumerate(self._rows)}
            self.endRemoveRows()

    def insert_column(self, position: int, column: Column[R]) -> None:
        """Add a column at `position` (e.g. a rule seen for the first time)."""
        self.beginInsertColumns(QModelIndex(), position, position)
        self.columns.insert(position, column)
        self.endInsertColumns()

    def row_keys(self) -> list[str]:
        return [self._key(r) for r in self._rows]

    def row_of(self, key: str) -> int | None:
        return self._index.get(key)

    def row_at(self, i: int) -> R:
        return self._rows[i]

    def key_of(self, row: R) -> str:
        return self._key(row)

    def column_of(self, key: str) -> int:
        return next(i for i, c in enumerate(self.columns) if c.key == key)


def _display(row: Any, column: Column[Any]) -> Any:
    if column.display is not None:
        return column.display(row)
    value = column.value(row)
    if column.badge and isinstance(value, Status):
        return LABELS[value]
    return column.fmt(value)


def _foreground(row: Any, column: Column[Any]) -> Any:
    if "color" in column.extra:  # extra={"color": row -> token path or None}
        token = column.extra["color"](row)
        return style.qcolor(style.current_theme(), token) if token else None
    if not column.pnl:
        return None
    value = column.value(row)
    if not isinstance(value, int | float) or value == 0:
        return None
    token = "colors.semantic.profit" if value > 0 else "colors.semantic.loss"
    return style.qcolor(style.current_theme(), token)


def _sort_key(row: Any, column: Column[Any]) -> Any:
    value = column.value(row)
    if isinstance(value, Status):
        return value.severity
    return value if isinstance(value, int | float | str) else _text(value)


_ROLE_HANDLERS: dict[int, Callable[[Any, Column[Any]], Any]] = {
    int(Qt.ItemDataRole.DisplayRole): _display,
    int(Qt.ItemDataRole.TextAlignmentRole): lambda row, c: int(c.align),
    int(Qt.ItemDataRole.ForegroundRole): _foreground,
    int(SORT_ROLE): _sort_key,
    int(BADGE_ROLE): lambda row, c: c.value(row) if c.badge else None,
    int(COMPACT_ROLE): lambda row, c: bool(c.extra.get("compact")),
    int(Qt.ItemDataRole.ToolTipRole): lambda row, c: (
        c.extra["tip"](row) if "tip" in c.extra else None
    ),
}


def as_status(value: Any) -> Status | None:
    """A Status back from a QVariant (Qt hands StrEnum values back as plain str)."""
    try:
        return Status(value) if isinstance(value, str) else None
    except ValueError:
        return None


class BadgeDelegate(QStyledItemDelegate):
    """Paints a status pill for cells whose BADGE_ROLE is a Status; others as usual."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: Index) -> None:
        super().initStyleOption(option, index)
        if index.data(Qt.ItemDataRole.ForegroundRole) is not None:  # P&L stays on selection
            option.palette.setBrush(QPalette.ColorRole.HighlightedText, option.palette.text())

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        status = as_status(index.data(BADGE_ROLE))
        if status is None:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = option.widget
        widget.style().drawControl(
            widget.style().ControlElement.CE_ItemViewItem, opt, painter, widget
        )
        compact = bool(index.data(COMPACT_ROLE))
        paint_badge(painter, option.rect, status, style.current_theme(), compact=compact)


class DataTableHeader(QHeaderView):
    """A horizontal header that can write titles bottom-to-top (VERTICAL_TITLE_ROLE).

    The header grows tall enough for the longest vertical title; the other titles and the
    sort arrow sit in a strip at the bottom of their section, next to the rows, and a
    vertical title's sort arrow at the top of its section.
    """

    ARROW = 14  # room above a vertical title for its sort arrow

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        # A QHeaderView made by hand is not clickable (QTableView's own one is): without
        # this a click on a title never sorts.
        self.setSectionsClickable(True)

    def _vertical_title(self, logical: int) -> str:
        model = self.model()
        title = (
            model.headerData(logical, self.orientation(), VERTICAL_TITLE_ROLE) if model else None
        )
        return title if isinstance(title, str) else ""

    @staticmethod
    def _font_and_pad() -> tuple[QFont, int]:
        theme = style.current_theme()
        font = style.typography_font(theme, "typography.semantic.caption")
        return font, theme.px("spacing.semantic.sm")

    def sectionSizeFromContents(self, logical: int) -> QSize:
        size = super().sectionSizeFromContents(logical)
        title = self._vertical_title(logical)
        if not title:
            return size
        font, pad = self._font_and_pad()
        metrics = QFontMetrics(font)
        arrow = self.ARROW if self.isSortIndicatorShown() else 0
        return QSize(metrics.height() + 2 * pad, metrics.horizontalAdvance(title) + 2 * pad + arrow)

    def paintSection(self, painter: QPainter, rect: QRect, logical: int) -> None:
        if not rect.isValid():
            return
        opt = QStyleOptionHeader()
        self.initStyleOption(opt)
        self.initStyleOptionForIndex(opt, logical)
        title = self._vertical_title(logical)
        draw = self.style().drawControl
        # The whole section (background, hover, border), without its title and arrow.
        whole = QStyleOptionHeader(opt)
        whole.rect = rect
        whole.text = ""
        whole.sortIndicator = QStyleOptionHeader.SortIndicator.None_
        draw(QStyle.ControlElement.CE_Header, whole, painter, self)
        if not title:  # title and arrow in a strip at the bottom, as in a one-line header
            strip = min(rect.height(), super().sectionSizeFromContents(logical).height())
            opt.rect = QRect(rect.left(), rect.bottom() - strip + 1, rect.width(), strip)
            draw(QStyle.ControlElement.CE_Header, opt, painter, self)
            return
        painter.save()
        if opt.sortIndicator != QStyleOptionHeader.SortIndicator.None_:
            arrow = QStyleOptionHeader(opt)
            arrow.rect = QRect(rect.left(), rect.top() + 2, rect.width(), self.ARROW - 2)
            self.style().drawPrimitive(
                QStyle.PrimitiveElement.PE_IndicatorHeaderArrow, arrow, painter, self
            )
        font, pad = self._font_and_pad()
        hover = bool(opt.state & QStyle.StateFlag.State_MouseOver)
        token = "colors.text.primary" if hover else "colors.text.muted"
        painter.setFont(font)
        painter.setPen(style.qcolor(style.current_theme(), token))
        painter.translate(rect.left(), rect.bottom())
        painter.rotate(-90)  # x runs up the section, y across it
        box = QRect(pad, 0, rect.height() - 2 * pad, rect.width())
        painter.drawText(
            box, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), title
        )
        painter.restore()


def sort_rank(value: Any) -> tuple[int, Any]:
    """Numbers before text; missing values (None, NaN, "—") after both."""
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, int | float):
        return (2, 0) if math.isnan(value) else (0, value)
    if value is None or value in {"—", ""}:
        return (2, 0)
    return (1, str(value).casefold())


class FilterProxy(QSortFilterProxyModel):
    """Sorts by each column's raw value; filters case-insensitively on any column's text.

    Over a RowTableModel the order is total and stable: numbers as numbers, text without
    case, missing values last in both directions, and equal values by row key (so a
    click on the same header always gives the same order, whatever arrived first).
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(-1)
        self.setDynamicSortFilter(True)

    def lessThan(self, left: Index, right: Index) -> bool:
        model = self.sourceModel()
        if not isinstance(model, RowTableModel) or left.column() >= len(model.columns):
            return super().lessThan(left, right)
        column = model.columns[left.column()]
        a, b = model.row_at(left.row()), model.row_at(right.row())
        ka, kb = sort_rank(_sort_key(a, column)), sort_rank(_sort_key(b, column))
        ascending = self.sortOrder() == Qt.SortOrder.AscendingOrder
        if ka[0] != kb[0]:
            missing = 2 in (ka[0], kb[0])
            # missing last whichever the direction (Qt reverses lessThan when descending)
            return (ka[0] < kb[0]) == ascending if missing else ka[0] < kb[0]
        if ka[1] != kb[1]:
            return bool(ka[1] < kb[1])
        key_a, key_b = model.key_of(a), model.key_of(b)
        return key_a < key_b if ascending else key_a > key_b


def paint_empty_text(viewport: QWidget, text: str) -> None:
    """Say in an empty item view's body why it is empty ("No alerts yet…"), muted, centred."""
    painter = QPainter(viewport)
    theme = style.current_theme()
    painter.setPen(style.qcolor(theme, "colors.text.muted"))
    pad = theme.px("spacing.semantic.lg")
    flags = int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
    flags |= int(Qt.TextFlag.TextWordWrap)
    area = viewport.rect().adjusted(pad, pad, -pad, -pad)
    # In a short view (a small window) the message moves up rather than be cut.
    spare = area.height() - painter.boundingRect(area, flags, text).height()
    if spare < 0:
        area.adjust(0, -min(pad - 2, -spare), 0, 0)
    painter.drawText(area, flags, text)
    painter.end()


class DataTable(QTableView):
    """A sortable table view styled by tokens, with badge cells and a filter proxy."""

    def __init__(
        self,
        model: RowTableModel[Any],
        parent: QWidget | None = None,
        proxy: FilterProxy | None = None,
    ) -> None:
        super().__init__(parent)
        self.setHorizontalHeader(DataTableHeader(self))
        self.source_model = model
        self.proxy = proxy or FilterProxy(self)
        self.proxy.setSourceModel(model)
        self.setModel(self.proxy)
        self.setItemDelegate(BadgeDelegate(self))
        self._configure()
        model.columnsInserted.connect(lambda *_: self._size_columns())
        model.rowsInserted.connect(lambda *_: self._resort())
        self._size_columns()
        self.empty_text = ""
        self.copy_export = table_copy.CopyExport(self)  # Ctrl+C, Copy / Export CSV… menu

    def set_empty_text(self, text: str) -> None:
        """What to say in the table's body while it has no rows ("No alerts yet…")."""
        self.empty_text = text
        self.viewport().update()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Copy):  # Qt's own copies one cell only
            table_copy.copy_selection(self)
            event.accept()
            return
        super().keyPressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.empty_text and self.proxy.rowCount() == 0:
            paint_empty_text(self.viewport(), self.empty_text)

    def _resort(self) -> None:
        """Re-apply the header's sort: Qt drops a sort requested while the model was empty."""
        header = self.horizontalHeader()
        if self.isSortingEnabled() and self.proxy.sortColumn() != header.sortIndicatorSection():
            self.proxy.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())

    def _configure(self) -> None:
        theme = style.current_theme()
        self.setSortingEnabled(True)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # Several rows (Shift/Ctrl+click) can be copied; a plain click still picks one.
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(theme.px("size.row_height"))
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setDefaultAlignment(LEFT)

    def _size_columns(self) -> None:
        for i, column in enumerate(self.source_model.columns):
            if column.width is not None:
                self.setColumnWidth(i, column.width)
        self._apply_saved_widths()

    def layout_state(self) -> dict[str, Any]:
        """Column widths by column key, and the sort column's key and order."""
        header = self.horizontalHeader()
        columns = self.source_model.columns
        sort = header.sortIndicatorSection()
        return {
            "widths": {c.key: self.columnWidth(i) for i, c in enumerate(columns)},
            "sort": [columns[sort].key, header.sortIndicatorOrder().value]
            if 0 <= sort < len(columns)
            else None,
        }

    def restore_layout(self, state: dict[str, Any]) -> None:
        """Apply `layout_state()` output; widths of columns added later apply when they appear."""
        self._saved_widths = {str(k): int(v) for k, v in dict(state.get("widths") or {}).items()}
        self._apply_saved_widths()
        sort = state.get("sort")
        keys = [c.key for c in self.source_model.columns]
        if isinstance(sort, list) and len(sort) == 2 and sort[0] in keys:
            self.sortByColumn(keys.index(sort[0]), Qt.SortOrder(int(sort[1])))

    def _apply_saved_widths(self) -> None:
        for i, column in enumerate(self.source_model.columns):
            width = getattr(self, "_saved_widths", {}).get(column.key)
            if width and width > 0:
                self.setColumnWidth(i, width)

    def key_at(self, proxy_row: int) -> str | None:
        """The row key shown at `proxy_row` (after sorting/filtering)."""
        source = self.proxy.mapToSource(self.proxy.index(proxy_row, 0))
        return self.source_model.row_keys()[source.row()] if source.isValid() else None

    def selected_key(self) -> str | None:
        rows = self.selectionModel().selectedRows()
        return self.key_at(rows[0].row()) if rows else None

    def select_key(self, key: str) -> bool:
        row = self.source_model.row_of(key)
        if row is None:
            return False
        index = self.proxy.mapFromSource(self.source_model.index(row, 0))
        if not index.isValid():
            return False
        self.selectRow(index.row())
        self.scrollTo(index)
        return True
