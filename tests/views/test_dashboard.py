"""Dashboard filter and a card's drill-down page, clicked as a user does."""

from __future__ import annotations

from PySide6.QtCore import Qt
from views_factories import make_alert, make_snapshot

from perfdesk.domain.status import Status
from perfdesk.views.shell.main_window import MainWindow


def shown_cards(window: MainWindow) -> list[str]:
    return [sid for sid, card in window.dashboard.cards.items() if card.isVisible()]


def test_the_filter_keeps_cards_by_name_or_status_and_follows_status_changes(qtbot, source) -> None:
    window = MainWindow(source)
    qtbot.addWidget(window)
    window.show()
    source.snaps = {s: make_snapshot(s) for s in ("s1", "s2", "s3")}
    qtbot.waitExposed(window)
    window.refresh()
    dashboard = window.dashboard
    qtbot.waitUntil(lambda: sorted(shown_cards(window)) == ["s1", "s2", "s3"])
    qtbot.keyClicks(dashboard.filter_edit, "strategy s2")
    assert shown_cards(window) == ["s2"]
    assert dashboard.filter_note.text() == "1 of 3 shown"
    dashboard.filter_edit.clear()
    qtbot.keyClicks(dashboard.filter_edit, "critical")
    assert shown_cards(window) == []
    assert dashboard.filter_note.text() == "No strategy matches \u201ccritical\u201d"
    source.snaps["s3"] = make_snapshot("s3", version=2, status=Status.CRITICAL)
    window.refresh()
    assert shown_cards(window) == ["s3"]  # the filter follows the live status
    dashboard.filter_edit.clear()
    assert sorted(shown_cards(window)) == ["s1", "s2", "s3"]
    assert dashboard.filter_note.text() == ""


def test_a_card_click_opens_its_drill_down_page_and_back(qtbot, source) -> None:
    window = MainWindow(source)
    qtbot.addWidget(window)
    window.show()
    source.snaps = {
        "s1": make_snapshot("s1"),
        "s2": make_snapshot("s2", status=Status.CRITICAL, pnl=-900.0),
    }
    source.alerts = [make_alert("s2", Status.CRITICAL), make_alert("s1", Status.WARNING)]
    qtbot.waitExposed(window)
    window.refresh()
    qtbot.waitUntil(lambda: len(shown_cards(window)) == 2)
    qtbot.mouseClick(window.dashboard.cards["s2"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.current_page() == "strategy")
    page = window.strategy_page
    assert window.navigation.buttons["dashboard"].isChecked()  # a page of the dashboard
    assert page.title.text() == "Strategy s2" and page.badge.status is Status.CRITICAL
    assert page.figures.metric_label("pnl").text() == "\u2212900.00"
    assert page.figures.metric_label("pnl").property("pnl") == "loss"
    assert page.chart.series()[0].size == 50
    assert page.rules.row_keys() == ["drawdown", "stale"]
    assert page.alerts.row_keys() == ["s2/drawdown"]  # this strategy's alerts only
    source.snaps["s2"] = make_snapshot("s2", version=2, status=Status.OK, pnl=10.0)
    source.alerts = []
    window.refresh()
    assert page.badge.status is Status.OK and page.alerts.row_keys() == []
    qtbot.mouseClick(page.verify_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.current_page() == "verification")
    assert window.verification.table.selected_key() == "s2"
    window.open_strategy_page("s1")
    qtbot.waitUntil(lambda: window.current_page() == "strategy")
    assert page.title.text() == "Strategy s1"
    qtbot.mouseClick(page.back_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.current_page() == "dashboard")
