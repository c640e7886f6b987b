"""Copy and export for every DataTable: Ctrl+C and a context menu (Copy, Copy all,
Export CSV…).

What is copied is what the table shows, in its current sort and filter order and its
columns' visual order: the clipboard gets the displayed text as TSV (it pastes into a
spreadsheet's grid); the CSV file gets the column titles, then each row with numbers as
numbers (the raw value, not "1,234.50") and everything else as displayed. Every cell
passes through views/support/csv_safe, so no text runs as a spreadsheet formula.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol, cast

from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QWidget

from perfdesk.views.support import csv_safe, ops


class DataTable(Protocol):
    """The table this works on (components/data_table.py's DataTable): a QTableView with
    a sorting/filtering `proxy` over its `source_model`."""

    proxy: Any
    source_model: Any
    customContextMenuRequested: Any

    def horizontalHeader(self) -> Any: ...
    def isColumnHidden(self, column: int) -> bool: ...
    def selectionModel(self) -> Any: ...
    def setContextMenuPolicy(self, policy: Any) -> None: ...
    def indexAt(self, pos: Any) -> Any: ...
    def selectRow(self, row: int) -> None: ...
    def viewport(self) -> Any: ...


def visible_columns(table: DataTable) -> list[int]:
    """Logical column numbers, left to right as shown, hidden ones left out."""
    header = table.horizontalHeader()
    logical = (header.logicalIndex(v) for v in range(header.count()))
    return [c for c in logical if not table.isColumnHidden(c)]


def selected_rows(table: DataTable) -> list[int]:
    """Proxy rows of the selection, top to bottom."""
    return sorted({i.row() for i in table.selectionModel().selectedIndexes()})


def shown_text(table: DataTable, rows: list[int]) -> list[list[str]]:
    columns = visible_columns(table)
    proxy = table.proxy
    return [[str(proxy.index(r, c).data() or "") for c in columns] for r in rows]


def titles(table: DataTable) -> list[str]:
    model = table.source_model
    return [model.columns[c].title for c in visible_columns(table)]


def export_rows(table: DataTable) -> list[list[Any]]:
    """Header, then every shown row: numbers raw, blanks ("—") empty, the rest as shown."""
    from perfdesk.views.components.table_roles import BADGE_ROLE, SORT_ROLE

    proxy = table.proxy
    columns = visible_columns(table)
    out: list[list[Any]] = [titles(table)]
    for r in range(proxy.rowCount()):
        row: list[Any] = []
        for c in columns:
            index = proxy.index(r, c)
            raw = index.data(SORT_ROLE)
            is_number = isinstance(raw, int | float) and not isinstance(raw, bool)
            badge = index.data(BADGE_ROLE) is not None
            shown = index.data() or ""
            row.append(raw if is_number and not badge else "" if shown == "—" else shown)
        out.append(row)
    return out


def copy_selection(table: DataTable) -> int:
    """Selected rows to the clipboard as TSV; returns how many rows were copied."""
    rows = selected_rows(table)
    if rows:
        QGuiApplication.clipboard().setText(csv_safe.tsv_text(shown_text(table, rows)))
    return len(rows)


def copy_all(table: DataTable) -> int:
    """The column titles and every shown row to the clipboard as TSV."""
    rows = list(range(table.proxy.rowCount()))
    QGuiApplication.clipboard().setText(
        csv_safe.tsv_text([titles(table), *shown_text(table, rows)])
    )
    return len(rows)


def export_csv(table: DataTable, path: Path) -> int:
    """Write the table to `path` as CSV (UTF-8 with BOM for spreadsheets); rows written."""
    rows = export_rows(table)
    path.write_text(csv_safe.csv_text(rows), encoding="utf-8-sig", newline="")
    return len(rows) - 1


class CopyExport:
    """Installs Ctrl+C and the context menu on `table`. `ask_path` picks the CSV file
    (a save dialog by default); `exported` holds the last file written."""

    def __init__(self, table: DataTable, name: str = "table") -> None:
        self.table = table
        self.widget = cast(QWidget, table)  # a DataTable is a QTableView
        self.name = name
        self.exported: Path | None = None
        self.copy_action = QAction("Copy", self.widget)
        # Shown in the menu; the key itself is handled by DataTable.keyPressEvent.
        self.copy_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Copy))
        self.copy_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.copy_action.triggered.connect(lambda: copy_selection(table))
        self.copy_all_action = QAction("Copy all rows", self.widget)
        self.copy_all_action.triggered.connect(lambda: copy_all(table))
        self.export_action = QAction("Export CSV…", self.widget)
        self.export_action.triggered.connect(self.export)
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self.show_menu)

    def menu(self) -> QMenu:
        menu = QMenu(self.widget)
        self.copy_action.setEnabled(bool(selected_rows(self.table)))
        has_rows = self.table.proxy.rowCount() > 0
        self.copy_all_action.setEnabled(has_rows)
        self.export_action.setEnabled(has_rows)
        for action in (self.copy_action, self.copy_all_action, self.export_action):
            menu.addAction(action)
        return menu

    def show_menu(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        if index.isValid() and not self.table.selectionModel().isRowSelected(
            index.row(), QModelIndex()
        ):
            self.table.selectRow(index.row())  # right-click acts on the row under it
        self.menu().popup(self.table.viewport().mapToGlobal(pos))

    def ask_path(self) -> Path | None:
        chosen, _ = QFileDialog.getSaveFileName(
            self.widget, "Export CSV", f"{self.name}.csv", "CSV files (*.csv)"
        )
        return Path(chosen) if chosen else None

    def export(self) -> None:
        path = self.ask_path()
        if path is None:
            return
        if path.suffix.lower() != ".csv":
            path = path.with_suffix(".csv")
        try:
            export_csv(self.table, path)
        except OSError as exc:  # a read-only folder, a full disk: said, not swallowed
            ops.report_failure(f"Could not export {path}", exc)
            return
        self.exported = path
