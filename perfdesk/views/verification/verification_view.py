"""Verification screen: filterable, sortable strategies x rules table and a detail pane.

Signals: strategy_selected(str strategy_id).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QFontMetrics, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSplitter,
    QWidget,
)

from perfdesk.domain.snapshot import StrategySnapshot
from perfdesk.domain.status import Status
from perfdesk.views.components.data_table import DataTable, FilterProxy
from perfdesk.views.components.page_layout import page_column
from perfdesk.views.support import style
from perfdesk.views.verification.verdict_history import VerdictHistory
from perfdesk.views.verification.verification_detail import VerificationDetail
from perfdesk.views.verification.verification_model import VerificationModel

STATUS_FILTERS: dict[str, frozenset[Status] | None] = {
    "All statuses": None,
    "Needs attention": frozenset({Status.WARNING, Status.CRITICAL}),
    "Critical": frozenset({Status.CRITICAL}),
    "Warning": frozenset({Status.WARNING}),
    "OK": frozenset({Status.OK}),
    "No data": frozenset({Status.INSUFFICIENT_DATA}),
}


class VerificationProxy(FilterProxy):
    """FilterProxy plus a verdict-status filter."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.statuses: frozenset[Status] | None = None

    def set_statuses(self, statuses: frozenset[Status] | None) -> None:
        self.beginFilterChange()
        self.statuses = statuses
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        model = self.sourceModel()
        if (
            self.statuses is not None
            and isinstance(model, VerificationModel)
            and model.row_at(source_row).status not in self.statuses
        ):
            return False
        return super().filterAcceptsRow(source_row, source_parent)


class VerificationView(QWidget):
    """The table over VerificationModel, a filter bar, and the detail pane below."""

    strategy_selected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Page")
        self.model = VerificationModel(self)
        self._pending: Mapping[str, StrategySnapshot] | None = None
        self.history = VerdictHistory()
        self.proxy = VerificationProxy(self)
        self.table = DataTable(self.model, proxy=self.proxy)
        self.table.set_empty_text(
            "No strategies (or none match the filter). A strategy appears with its first event "
            "from the engine."
        )
        self.table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
        self.detail = VerificationDetail(self.history)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("verification-splitter")
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        # Room for the tall rule header and the first strategies at 1440 x 900; below, the
        # evidence of all eleven rules without scrolling.
        self.splitter.setSizes([302, 448])
        self._fitted_keys: tuple[str, ...] = ()
        self.table.viewport().installEventFilter(self)
        box = page_column(self)
        box.addLayout(self._filter_bar())
        box.addWidget(self.splitter, 1)
        self.table.selectionModel().selectionChanged.connect(self._on_selection)

    def _filter_bar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        title = QLabel("Verification")
        title.setProperty("kind", "heading")
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter strategies, rules, states…")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setMinimumWidth(160)
        self.filter_edit.setMaximumWidth(320)
        self.filter_edit.textChanged.connect(self.proxy.setFilterFixedString)
        self.status_combo = QComboBox()
        self.status_combo.addItems(list(STATUS_FILTERS))
        self.status_combo.currentTextChanged.connect(
            lambda t: self.proxy.set_statuses(STATUS_FILTERS[t])
        )
        bar.addWidget(title)
        bar.addStretch(1)
        bar.addWidget(self.status_combo)
        bar.addWidget(self.filter_edit, 1)  # grows up to its maximum: placeholder readable
        return bar

    def show_snapshots(self, snaps: Mapping[str, StrategySnapshot]) -> None:
        """Record verdict changes always; update the table only while it is visible."""
        for snap in snaps.values():
            if snap.verdict is not None:
                self.history.record(snap.verdict)
        self._pending = snaps
        if self.isVisible() or self.model.rowCount() == 0:
            self._apply_pending()

    def _apply_pending(self) -> None:
        if self._pending is not None:
            self.model.show_snapshots(self._pending)
            self._pending = None
            self._refresh_detail()
            keys = tuple(self.model.row_keys())
            if keys != self._fitted_keys:  # new strategies (names): fit the text columns
                self._fitted_keys = keys
                self.fit_columns()

    FITTED: ClassVar[dict[str, tuple[int, int]]] = {
        "name": (118, 260),
        "feed": (64, 140),
        "checked": (82, 240),
    }
    """Text columns sized to their contents within (least, most) px: no name or time is
    cut off while the table has room; Failing (the last column) takes what is left."""

    def fit_columns(self) -> None:
        wanted: dict[int, tuple[int, int]] = {}
        for key, (least, most) in self.FITTED.items():
            column = self.model.column_of(key)
            cells = self.table.sizeHintForColumn(column)  # the least is the title's
            wanted[column] = (least, max(least, min(most, cells)))
        last = self.model.columnCount() - 1
        others = sum(
            self.table.columnWidth(c) for c in range(last) if c not in wanted
        )  # fmt: skip
        failing = max(self._title_width(last), self.model.columns[last].width or 0)
        room = self.table.viewport().width() - others - failing
        excess = sum(w for _least, w in wanted.values()) - room
        for column, (least, width) in sorted(wanted.items(), key=lambda kv: kv[1][0] - kv[1][1]):
            cut = min(max(0, excess), width - least)  # the roomiest column gives first
            excess -= cut
            self.table.setColumnWidth(column, width - cut)

    def _title_width(self, column: int) -> int:
        """What the column's title needs (caption font, one line, padded)."""
        theme = style.current_theme()
        caption = QFontMetrics(style.typography_font(theme, "typography.semantic.caption"))
        title = self.model.columns[column].title.upper()
        pad = theme.px("spacing.semantic.sm")
        return max(caption.horizontalAdvance(line) for line in title.splitlines()) + 2 * pad

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The table's viewport was resized: fit the text columns to its new width."""
        if event.type() == QEvent.Type.Resize and self.model.rowCount():
            self.fit_columns()
        return super().eventFilter(watched, event)

    def showEvent(self, event: QShowEvent) -> None:
        self._apply_pending()  # catch up with what arrived while another page was shown
        super().showEvent(event)

    def select_strategy(self, strategy_id: str) -> bool:
        return self.table.select_key(strategy_id)

    def _on_selection(self, *_: object) -> None:
        key = self.table.selected_key()
        self._refresh_detail()
        if key is not None:
            self.strategy_selected.emit(key)

    def _refresh_detail(self) -> None:
        key = self.table.selected_key()
        self.detail.show_row(self.model.row_for(key) if key else None)
