"""DataTable: a click on a header sorts (numbers as numbers, blanks last, ties by key)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

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
