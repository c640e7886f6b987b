"""DataTable: a click on a header sorts (numbers as numbers, blanks last, ties by key)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from perfdesk.domain.status import Status
from perfdesk.views.components.data_table import Column, DataTable, RowTableModel


@dataclass(frozen=True)
class Row:
    key: str
    name: str
    value: float | None
    status: Status


COLUMNS = [
    Column[Row]("name", "Name", lambda r: r.name),
    Column[Row]("value", "Value", lambda r: r.value),
    Column[Row]("status", "Status", lambda r: r.status, badge=True),
]
ROWS = [
    Row("d", "delta", 10.0, Status.OK),
    Row("a", "Alpha", None, Status.CRITICAL),
    Row("c", "charlie", 2.0, Status.WARNING),
    Row("b", "bravo", 10.0, Status.OK),
    Row("e", "echo", -3.5, Status.OK),
]


def click_header(table: DataTable, section: int) -> None:
    """A real click in the middle of the header section, as a user's pointer gives it."""
    header = table.horizontalHeader()
    x = header.sectionViewportPosition(section) + header.sectionSize(section) // 2
    QTest.mouseClick(
        header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2)
    )


def shown_keys(table: DataTable) -> list[str | None]:
    return [table.key_at(i) for i in range(table.proxy.rowCount())]


def make_table(qtbot) -> DataTable:  # type: ignore[no-untyped-def]
    model: RowTableModel[Row] = RowTableModel(COLUMNS, key=lambda r: r.key)
    model.upsert(ROWS)
    table = DataTable(model)
    qtbot.addWidget(table)
    table.resize(600, 300)
    table.show()
    qtbot.waitExposed(table)
    return table


def test_header_click_sorts_numbers_with_blanks_last_and_ties_by_key(qtbot) -> None:
    table = make_table(qtbot)
    assert table.horizontalHeader().sectionsClickable()
    click_header(table, 1)
    first = table.horizontalHeader().sortIndicatorOrder()
    click_header(table, 1)  # the other direction
    orders = {first: None, table.horizontalHeader().sortIndicatorOrder(): None}
    assert len(orders) == 2
    table.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    assert shown_keys(table) == ["e", "c", "b", "d", "a"]  # 10.0 twice: by key; None last
    click_header(table, 1)
    assert table.horizontalHeader().sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    assert shown_keys(table) == ["b", "d", "c", "e", "a"]  # the blank stays last


def test_header_click_sorts_text_without_case_and_badges_by_severity(qtbot) -> None:
    table = make_table(qtbot)
    click_header(table, 0)
    order = table.horizontalHeader().sortIndicatorOrder()
    names = ["Alpha", "bravo", "charlie", "delta", "echo"]
    expected = names if order == Qt.SortOrder.AscendingOrder else names[::-1]
    assert [table.proxy.index(i, 0).data() for i in range(5)] == expected
    table.sortByColumn(2, Qt.SortOrder.DescendingOrder)
    assert shown_keys(table) == ["a", "c", "b", "d", "e"]  # critical, warning, ok by key
    click_header(table, 2)
    assert shown_keys(table) == ["b", "d", "e", "c", "a"]  # ties by key either way


def test_a_sorted_table_keeps_its_order_as_rows_update(qtbot) -> None:
    table = make_table(qtbot)
    table.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    table.source_model.upsert([Row("e", "echo", 99.0, Status.OK), Row("f", "fox", 0.0, Status.OK)])
    assert shown_keys(table) == ["f", "c", "b", "d", "e", "a"]


def test_ctrl_c_copies_the_selected_rows_as_tsv_in_the_shown_order(qtbot) -> None:
    table = make_table(qtbot)
    table.sortByColumn(1, Qt.SortOrder.AscendingOrder)  # e, c, b, d, a
    table.setFocus()
    table.selectRow(0)
    QTest.mouseClick(
        table.viewport(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.ShiftModifier,
        table.visualRect(table.proxy.index(1, 0)).center(),
    )
    QApplication.clipboard().clear()
    QTest.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.clipboard().text() == "echo\t-3.5\tOK\ncharlie\t2.0\tWARNING"


def test_export_csv_writes_titles_raw_numbers_and_escapes_formulas(qtbot, tmp_path) -> None:
    table = make_table(qtbot)
    table.source_model.upsert([Row("z", '=HYPERLINK("http://x")', 1234.5, Status.OK)])
    table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    target = tmp_path / "out"
    table.copy_export.ask_path = lambda: target  # the save dialog's answer
    menu = table.copy_export.menu()
    assert [a.text() for a in menu.actions()] == ["Copy", "Copy all rows", "Export CSV…"]
    table.copy_export.export_action.trigger()
    written = tmp_path / "out.csv"
    assert table.copy_export.exported == written
    lines = written.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "Name,Value,Status"
    assert lines[1] == '"\'=HYPERLINK(""http://x"")",1234.5,OK'  # text, never a formula
    assert lines[2] == "Alpha,,CRITICAL"  # a blank is an empty cell
    assert "echo,-3.5,OK" in lines  # a number stays a number
    assert len(lines) == 7


def test_csv_safe_cells() -> None:
    from perfdesk.views.support import csv_safe

    assert [csv_safe.cell(v) for v in ("=1+2", "+x", "-3.5", "@a", "\tb", "plain")] == [
        "'=1+2", "'+x", "-3.5", "'@a", "'\tb", "plain",
    ]  # fmt: skip
    assert csv_safe.cell(None) == "" and csv_safe.cell(-2.0) == -2.0
    assert csv_safe.tsv_text([["a\tb", "c\nd"]]) == "a b\tc d"
