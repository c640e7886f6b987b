"""Status colours are not P&L colours, and a P&L figure keeps its colour when selected."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PySide6.QtWidgets import QApplication, QWidget

from perfdesk.domain.alerts import Alert, AlertState
from perfdesk.domain.status import Status
from perfdesk.views.components.alert_banner import AlertBanner
from perfdesk.views.components.data_table import RIGHT, Column, DataTable, RowTableModel
from perfdesk.views.support import fmt
from perfdesk.views.support.style import apply_theme, current_theme


def _colours(widget: QWidget, top: int = 0, height: int | None = None) -> set[str]:
    image = widget.grab().toImage()
    rows = range(top, min(image.height(), top + (height or image.height())))
    return {image.pixelColor(x, y).name() for x in range(image.width()) for y in rows}


def _alert(sid: str, severity: Status) -> Alert:
    now = datetime.now(UTC)
    return Alert(fingerprint=f"{sid}/drawdown", strategy_id=sid, rule="drawdown",
                 severity=severity, state=AlertState.FIRING, message="drawdown",
                 started_at=now, updated_at=now)  # fmt: skip


@pytest.fixture
def restore_theme(qapp):  # type: ignore[no-untyped-def]
    yield
    apply_theme(qapp, "dark")


def test_the_banner_warning_label_stays_amber_whatever_the_pnl_colours(
    qtbot, restore_theme
) -> None:  # type: ignore[no-untyped-def]
    app = QApplication.instance()
    apply_theme(app, "dark")
    banner = AlertBanner()
    qtbot.addWidget(banner)
    banner.resize(900, 50)
    banner.show()
    banner.set_alerts([_alert("a", Status.CRITICAL)])
    banner.set_alerts([_alert("b", Status.WARNING)])  # critical replaced by a warning
    for convention in ("green_up", "red_up"):
        apply_theme(app, "dark", "standard", convention)
        theme = current_theme()
        seen = _colours(banner.severity_label)
        assert theme.color("colors.semantic.status.warning")[:7] in seen, convention
        assert theme.color("colors.semantic.status.error")[:7] not in seen, convention


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_a_selected_row_keeps_its_pnl_colour(qtbot, theme: str, restore_theme) -> None:  # type: ignore[no-untyped-def]
    apply_theme(QApplication.instance(), theme)
    model = RowTableModel(
        [Column("k", "K", lambda r: r[0]),
         Column("pnl", "P&L", lambda r: r[1], fmt=fmt.signed_money, align=RIGHT, pnl=True,
                width=200)],
        key=lambda r: r[0],
    )  # fmt: skip
    model.upsert([("gain", 1234.5)])
    table = DataTable(model)
    qtbot.addWidget(table)
    table.resize(420, 120)
    table.show()
    table.selectRow(0)
    row = table.visualRect(table.model().index(0, 1))
    seen = _colours(table.viewport(), row.top(), row.height())
    assert current_theme().color("colors.semantic.profit")[:7] in seen
