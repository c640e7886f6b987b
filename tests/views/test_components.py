"""Each component, driven as a user would see it."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QStackedWidget
from views_factories import NOW, make_alert

from perfdesk.domain.alerts import AlertPeak, AlertState
from perfdesk.domain.status import FeedState, Status, StrategyState
from perfdesk.views.components.alert_banner import AlertBanner
from perfdesk.views.components.button import Button
from perfdesk.views.components.data_card import DataCard
from perfdesk.views.components.form_field import FormField
from perfdesk.views.components.performance_chart import PerformanceChart
from perfdesk.views.components.status_badge import StateIndicator, StatusBadge
from perfdesk.views.support.style import current_theme, qcolor


def test_status_badge_shows_status_text_and_style_property(qtbot) -> None:
    badge = StatusBadge()
    qtbot.addWidget(badge)
    assert badge.text() == "NO DATA"
    badge.set_status(Status.CRITICAL, "drawdown 12 % > 9.6 %")
    assert badge.text() == "CRITICAL"
    assert badge.property("status") == "critical"
    assert badge.toolTip() == "drawdown 12 % > 9.6 %"


def test_badge_colour_comes_from_status_token(qtbot) -> None:
    badge = StatusBadge(Status.CRITICAL)
    qtbot.addWidget(badge)
    badge.show()
    colour = badge.palette().color(badge.foregroundRole())
    assert colour == qcolor(current_theme(), "colors.semantic.status.error")


def test_state_indicator_uses_financial_status_tokens(qtbot) -> None:
    indicator = StateIndicator()
    qtbot.addWidget(indicator)
    indicator.set_state(StrategyState.FAILED)
    indicator.show()
    assert indicator.text().endswith("Failed")
    expected = qcolor(current_theme(), "colors.financial.status_indicators.failed_strategy")
    assert indicator.palette().color(indicator.foregroundRole()) == expected
    indicator.set_state(FeedState.STALE, prefix="Feed ")
    assert indicator.text().endswith("Feed Stale")


def test_data_card_metrics_pnl_colour_and_click(qtbot) -> None:
    card = DataCard("Momentum ES")
    qtbot.addWidget(card)
    card.add_metric("pnl", "Today's P&L", kind="price")
    card.set_metric("pnl", "−87.10", pnl="loss")
    card.show()
    label = card.metric_label("pnl")
    assert label.text() == "−87.10"
    assert label.palette().color(label.foregroundRole()) == qcolor(
        current_theme(), "colors.semantic.loss"
    )
    with qtbot.waitSignal(card.clicked):
        qtbot.mouseClick(card, Qt.MouseButton.LeftButton)


def test_data_card_hover_fades_a_shadow_in_and_out(qtbot) -> None:
    card = DataCard("x")
    qtbot.addWidget(card)
    card.show()
    effect = card.graphicsEffect()
    assert effect is not None and not effect.isEnabled()  # costs nothing until hovered
    card._hover.fade(True)
    qtbot.waitUntil(lambda: effect.blurRadius() > 0, timeout=2000)
    assert card._hover.visible
    card._hover.fade(False)
    qtbot.waitUntil(lambda: not effect.isEnabled(), timeout=2000)
    assert card.graphicsEffect() is effect  # disabled, never deleted under an event


def test_a_card_that_hides_itself_on_click_right_after_the_pointer_entered(qtbot) -> None:
    """The crash of issue 17: pointer enters (shadow effect just made, strength 0) and the
    click switches the page at once, hiding the card inside its own event handlers."""
    stack = QStackedWidget()
    qtbot.addWidget(stack)
    card, other = DataCard("x"), QLabel("elsewhere")
    stack.addWidget(card)
    stack.addWidget(other)
    stack.resize(400, 300)
    stack.show()
    qtbot.waitExposed(stack)
    card.clicked.connect(lambda: stack.setCurrentWidget(other))
    for _ in range(20):
        stack.setCurrentWidget(card)
        QTest.mouseMove(card, QPoint(100, 100))
        with qtbot.waitSignal(card.clicked):
            qtbot.mouseClick(card, Qt.MouseButton.LeftButton, pos=QPoint(100, 100))
            assert stack.currentWidget() is card  # the slot runs after the handler returned
        assert stack.currentWidget() is other


def test_performance_chart_keeps_big_series_cheap_and_reads_crosshair(qtbot) -> None:
    chart = PerformanceChart()
    qtbot.addWidget(chart)
    t = NOW.timestamp() + np.arange(200_000, dtype=float)
    y = 1e6 + np.cumsum(np.ones_like(t))
    chart.set_series(t, y, baseline=1e6)
    assert chart.curve.opts["clipToView"] is True
    assert chart.curve.opts["autoDownsample"] is True
    assert chart.curve.opts["downsampleMethod"] == "peak"
    assert chart.curve.opts["pen"].isCosmetic() and chart.curve.opts["pen"].widthF() == 1.0
    with qtbot.waitSignal(chart.hovered) as blocker:
        chart.show_crosshair_at(t[1000] + 0.5)
    assert blocker.args == [t[1000], y[1000]]
    assert chart.label.isVisible()
    assert "1,001,001.00" in chart.label.toPlainText()


def test_performance_chart_trend_uses_profit_and_loss_pens(qtbot) -> None:
    chart = PerformanceChart(compact=True)
    qtbot.addWidget(chart)
    chart.set_trend("loss")
    assert chart.curve.opts["pen"].color() == qcolor(current_theme(), "colors.semantic.loss")


class Clock:
    """A monotonic clock the test moves by hand (the banner's click guard reads it)."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def guarded_banner(qtbot) -> tuple[AlertBanner, Clock]:  # type: ignore[no-untyped-def]
    banner = AlertBanner()
    qtbot.addWidget(banner)
    banner.clock = clock = Clock()
    banner.resize(900, banner.height())
    return banner, clock


def test_alert_banner_shows_most_severe_and_emits_actions(qtbot) -> None:
    banner, clock = guarded_banner(qtbot)
    banner.set_alerts([])
    assert banner.isHidden()
    warning = make_alert("a", Status.WARNING, updated_at=NOW + timedelta(minutes=5))
    critical = make_alert("b", Status.CRITICAL)
    acked = make_alert("c", Status.CRITICAL, acked_at=NOW, acked_by="ann")
    snoozed = make_alert("d", Status.CRITICAL, snoozed_until=NOW + timedelta(hours=1))
    resolved = make_alert("e", Status.CRITICAL, state=AlertState.RESOLVED)
    silenced = make_alert("f", Status.CRITICAL, silenced_by="s-1")
    banner.set_alerts([warning, critical, acked, snoozed, resolved, silenced], now=NOW)
    assert not banner.isHidden()
    assert banner.current == critical
    assert banner.more_label.text() == "+1 more"
    assert banner.property("severity") == "critical"
    clock.t += 1.0
    with qtbot.waitSignal(banner.ack_requested) as ack:
        qtbot.mouseClick(banner.ack_button, Qt.MouseButton.LeftButton)
    assert ack.args == ["b/drawdown"]
    with qtbot.waitSignal(banner.snooze_requested) as snooze:
        qtbot.mouseClick(banner.snooze_button, Qt.MouseButton.LeftButton)
    assert snooze.args == ["b/drawdown"]
    with qtbot.waitSignal(banner.open_requested) as opened:
        qtbot.mouseClick(banner.open_button, Qt.MouseButton.LeftButton)
    assert opened.args == ["b"]


def test_banner_ignores_a_click_just_after_it_changed_and_keeps_its_height(qtbot) -> None:
    banner, clock = guarded_banner(qtbot)
    height = banner.height()
    warning, critical = make_alert("a", Status.WARNING), make_alert("b", Status.CRITICAL)
    banner.set_alerts([warning], now=NOW)
    clock.t += 5.0
    banner.set_alerts([warning, critical], now=NOW)  # a new alert takes the banner
    clock.t += 0.2
    with qtbot.assertNotEmitted(banner.ack_requested):
        qtbot.mouseClick(banner.ack_button, Qt.MouseButton.LeftButton)
    assert banner.ignored_presses == 1
    banner.set_alerts([warning, critical.model_copy(update={"message": "deeper"})], now=NOW)
    clock.t += 0.5  # a new message of the same alert does not re-arm the guard
    with qtbot.waitSignal(banner.ack_requested) as ack:
        qtbot.mouseClick(banner.ack_button, Qt.MouseButton.LeftButton)
    assert ack.args == ["b/drawdown"]
    assert banner.height() == height and banner.sizePolicy().retainSizeWhenHidden()


def test_banner_acts_on_the_alert_shown_when_the_button_was_pressed(qtbot) -> None:
    banner, clock = guarded_banner(qtbot)
    warning, critical = make_alert("a", Status.WARNING), make_alert("b", Status.CRITICAL)
    banner.set_alerts([warning], now=NOW)
    clock.t += 3.0
    QTest.mousePress(banner.ack_button, Qt.MouseButton.LeftButton)
    banner.set_alerts([warning, critical], now=NOW)  # changes between press and release
    with qtbot.waitSignal(banner.ack_requested) as ack:
        QTest.mouseRelease(banner.ack_button, Qt.MouseButton.LeftButton)
    assert ack.args == ["a/drawdown"]  # the warning that was read, not the new critical


def test_banner_puts_firing_before_recovering_and_says_recovering(qtbot) -> None:
    banner, _clock = guarded_banner(qtbot)
    peak = AlertPeak(severity=Status.CRITICAL, message="drawdown 25 %", excess=0.05)
    recovering = make_alert(
        "a", Status.CRITICAL, state=AlertState.RECOVERING, worst=peak,
        updated_at=NOW + timedelta(minutes=9),
    )  # fmt: skip
    recovering = recovering.model_copy(update={"message": "drawdown 3 %"})
    warning = make_alert("b", Status.WARNING)
    banner.set_alerts([recovering, warning], now=NOW)
    assert banner.current == warning
    banner.set_alerts([recovering], now=NOW)
    assert banner.severity_label.text().endswith("RECOVERING")
    assert banner.property("severity") == "recovering"
    text = banner.message_label.text()
    assert text.endswith("— worst (critical): drawdown 25 % · now: drawdown 3 %")


def test_form_field_validates_on_each_keystroke(qtbot) -> None:
    def positive(text: str) -> str | None:
        try:
            return None if float(text) > 0 else "Must be above 0"
        except ValueError:
            return f"'{text}' is not a number"

    field = FormField(
        "Warning at", help_text="Multiple of the expected max drawdown", validator=positive
    )
    qtbot.addWidget(field)
    field.show()
    with qtbot.waitSignal(field.validity_changed) as invalid:
        qtbot.keyClicks(field.input, "-")
    assert invalid.args == [False]
    assert field.error_label.isVisible() and "not a number" in field.error_label.text()
    assert field.input.property("invalid") == "true"
    assert field.help.isVisible()  # the hint (allowed range) stays beside the error
    with qtbot.waitSignal(field.validity_changed) as valid:
        field.input.clear()
        qtbot.keyClicks(field.input, "0.8")
    assert valid.args == [True]
    assert field.is_valid and not field.error_label.isVisible() and field.help.isVisible()


def test_button_variant_shortcut_and_click(qtbot) -> None:
    button = Button("Save", "primary", tooltip="Save thresholds", shortcut="Ctrl+S")
    qtbot.addWidget(button)
    assert button.variant == "primary"
    assert "Ctrl+S" in button.toolTip()
    with qtbot.waitSignal(button.clicked):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_data_table_declared_columns_sort_numbers_filter_and_paint_badges(qtbot) -> None:
    from dataclasses import dataclass

    from perfdesk.views.components.data_table import RIGHT, Column, DataTable, RowTableModel

    @dataclass(frozen=True)
    class Row:
        key: str
        pnl: float
        status: Status

    columns = (
        Column("key", "Strategy", lambda r: r.key),
        Column("pnl", "P&L", lambda r: r.pnl, fmt=lambda v: f"{v:,.0f}", align=RIGHT, pnl=True),
        Column("status", "Status", lambda r: r.status, badge=True),
    )
    model = RowTableModel(columns, key=lambda r: r.key)
    table = DataTable(model)
    qtbot.addWidget(table)
    model.upsert(
        [
            Row("a", 900.0, Status.OK),
            Row("b", -50.0, Status.CRITICAL),
            Row("c", 10_000.0, Status.WARNING),
        ]
    )
    table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
    assert [table.key_at(i) for i in range(3)] == ["c", "a", "b"]  # 10,000 > 900: numeric sort
    assert model.index(1, 1).data(Qt.ItemDataRole.ForegroundRole) == qcolor(
        current_theme(), "colors.semantic.loss"
    )
    table.proxy.setFilterFixedString("critical")
    assert table.proxy.rowCount() == 1 and table.key_at(0) == "b"
    table.proxy.setFilterFixedString("")
    table.resize(500, 200)
    table.show()
    assert not table.grab().isNull()  # the badge delegate paints without error
    model.upsert([Row("b", 75.0, Status.OK)])  # in place: still three rows
    assert model.rowCount() == 3 and model.row_at(model.row_of("b")).pnl == 75.0


def test_data_table_says_why_it_is_empty(qtbot) -> None:
    from perfdesk.views.components.data_table import Column, DataTable, RowTableModel

    model = RowTableModel((Column("key", "Strategy", lambda r: r),), key=lambda r: r)
    table = DataTable(model)
    qtbot.addWidget(table)
    table.resize(400, 200)
    table.show()
    muted = qcolor(current_theme(), "colors.text.muted").rgb()

    def muted_pixels() -> int:
        image = table.viewport().grab().toImage()
        return sum(
            image.pixel(x, y) == muted
            for x in range(0, image.width(), 2)
            for y in range(0, min(image.height(), 60))
        )

    assert muted_pixels() == 0
    table.set_empty_text("No alerts yet.")
    assert muted_pixels() > 0  # the message is painted in the muted text colour
    model.upsert(["s1"])
    assert muted_pixels() == 0  # rows: no message


def test_a_panel_card_is_not_clickable_and_has_no_hover_shadow(qtbot) -> None:
    panel = DataCard("Key figures", clickable=False)
    qtbot.addWidget(panel)
    panel.show()
    assert panel.property("kind") == "panel"
    QTest.mouseMove(panel, QPoint(10, 10))
    with qtbot.assertNotEmitted(panel.clicked, wait=50):
        qtbot.mouseClick(panel, Qt.MouseButton.LeftButton)
    assert not panel._hover.visible


def test_equity_charts_label_values_alike_not_in_scientific_notation(qtbot) -> None:
    """A strategy's page showed 1.05e+06 next to 950000 on one axis (seen under Xvfb);
    it now labels values as History does."""
    from perfdesk.views.components.value_axis import ValueAxis

    chart = PerformanceChart()
    qtbot.addWidget(chart)
    axis = chart.getPlotItem().getAxis("right")
    assert isinstance(axis, ValueAxis)
    assert axis.tickStrings([950_000.0, 1_000_000.0, 1_050_000.0], 1.0, 50_000.0) == [
        "950 k",
        "1.00 M",
        "1.05 M",
    ]
    assert axis.tickStrings([12.5, 13.0], 1.0, 0.5) == ["12.5", "13"]
    compact = PerformanceChart(compact=True)  # the cards' sparkline has no value axis
    qtbot.addWidget(compact)
    assert not isinstance(compact.getPlotItem().getAxis("right"), ValueAxis)
