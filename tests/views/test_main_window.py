"""Main window: pulls snapshots on its timer, repaints only changed cards, banner + badge."""

from __future__ import annotations

import time

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QStatusTipEvent
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QWidget
from views_factories import make_alert, make_snapshot

import perfdesk
from perfdesk.domain.status import Status
from perfdesk.views.shell import window_state
from perfdesk.views.shell.main_window import MainWindow


def test_window_picks_up_snapshots_and_shows_critical_badge_and_banner(qtbot, source) -> None:
    window = MainWindow(source)
    qtbot.addWidget(window)
    window.show()
    source.snaps = {"s1": make_snapshot("s1"), "s2": make_snapshot("s2")}
    qtbot.waitUntil(lambda: len(window.dashboard.cards) == 2)
    assert window.banner.isHidden()
    page_top = window.stack.mapTo(window, window.stack.rect().topLeft())
    source.snaps["s2"] = make_snapshot("s2", version=2, status=Status.CRITICAL, pnl=-900.0)
    source.alerts = [make_alert("s2", Status.CRITICAL)]
    card = window.dashboard.cards["s2"]
    qtbot.waitUntil(lambda: card.badge.status is Status.CRITICAL)
    qtbot.waitUntil(window.banner.isVisible)
    assert window.stack.mapTo(window, window.stack.rect().topLeft()) == page_top  # no jump
    # The strategy's name and the rule's title, as on the cards and the Verification screen.
    assert "Strategy s2 · Drawdown" in window.banner.message_label.text()
    assert card.metric_label("pnl").property("pnl") == "loss"
    window.show_page("verification")  # the table catches up when shown
    model = window.verification.model
    assert model.row_for("s2").status is Status.CRITICAL


def test_unchanged_versions_do_not_repaint(qtbot, source) -> None:
    window = MainWindow(source, refresh_hz=1000)
    qtbot.addWidget(window)
    window.timer.stop()
    source.snaps = {"s1": make_snapshot("s1"), "s2": make_snapshot("s2")}
    assert window.dashboard.show_snapshots(source.snapshots()) == 2
    assert window.dashboard.show_snapshots(source.snapshots()) == 0
    source.snaps["s1"] = make_snapshot("s1", version=2)
    assert window.dashboard.show_snapshots(source.snapshots()) == 1


def test_banner_actions_go_up_as_window_signals(qtbot, source) -> None:
    window = MainWindow(source)
    qtbot.addWidget(window)
    source.snaps = {"s1": make_snapshot("s1", status=Status.CRITICAL)}
    source.alerts = [make_alert("s1")]
    window.refresh()
    window.banner.guard_s = 0.0  # the click guard has its own tests
    with qtbot.waitSignal(window.ack_requested) as ack:
        qtbot.mouseClick(window.banner.ack_button, Qt.MouseButton.LeftButton)
    assert ack.args == ["s1/drawdown"]
    with qtbot.waitSignal(window.snooze_requested) as snooze:
        qtbot.mouseClick(window.banner.snooze_button, Qt.MouseButton.LeftButton)
    assert snooze.args == ["s1/drawdown"]
    qtbot.mouseClick(window.banner.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.current_page() == "verification")
    assert window.verification.table.selected_key() == "s1"


def test_clicking_a_card_opens_its_page(qtbot, source) -> None:
    window = MainWindow(source)
    qtbot.addWidget(window)
    window.show()
    source.snaps = {"s1": make_snapshot("s1")}
    window.refresh()
    qtbot.mouseClick(window.dashboard.cards["s1"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.current_page() == "strategy")
    assert window.strategy_page.strategy_id == "s1"  # more in test_dashboard.py


def test_menus_shortcuts_and_about_box(qtbot, source) -> None:
    window = MainWindow(source)
    qtbot.addWidget(window)
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles == ["&File", "&View", "&Window", "&Help"]
    view_actions = {a.text(): a.shortcut().toString() for a in window.view_menu.actions()}
    assert view_actions["Dashboard"] == "Ctrl+1" and view_actions["Verification"] == "Ctrl+2"
    assert window.quit_action.shortcut().toString() == "Ctrl+Q"
    assert perfdesk.__version__ in window.about_text()
    with qtbot.waitSignal(window.theme_requested) as theme:
        next(
            a
            for a in window.findChildren(type(window.view_menu.actions()[0]))
            if a.text() == "Light"
        ).trigger()
    assert theme.args == ["light"]


def test_a_failing_source_is_reported_not_fatal(qtbot, source) -> None:
    window = MainWindow(source)
    qtbot.addWidget(window)

    def broken() -> dict:
        raise ConnectionError("monitor gone")

    source.snapshots = broken
    window.refresh()
    assert "monitor gone" in window.statusBar().currentMessage()


def test_window_state_round_trips_through_qsettings(qtbot, source, tmp_path) -> None:
    settings = QSettings(str(tmp_path / "perfdesk.ini"), QSettings.Format.IniFormat)
    source.snaps = {"s1": make_snapshot("s1")}
    window = MainWindow(source, settings=settings)
    qtbot.addWidget(window)
    window.show()
    window.refresh()
    window.resize(711, 533)  # within the offscreen screen (800x600)
    window.show_page("verification")
    window.verification.splitter.setSizes([300, 100])
    table = window.verification.table
    rule_col = window.verification.model.column_of("rule:drawdown")
    table.setColumnWidth(rule_col, 177)
    table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    window.close()  # saves the layout
    again = MainWindow(source, settings=settings)  # restores it
    qtbot.addWidget(again)
    again.show()
    assert again.current_page() == "verification"
    assert again.size().width() == 711
    assert again.verification.splitter.saveState() == window.verification.splitter.saveState()
    again.refresh()  # the rule column appears only now, and gets its saved width
    col = again.verification.model.column_of("rule:drawdown")
    assert again.verification.table.columnWidth(col) == 177
    assert again.verification.table.horizontalHeader().sortIndicatorSection() == 0


def test_frame_pacer_backs_off_when_frames_are_expensive(qtbot, source) -> None:
    window = MainWindow(source, refresh_hz=15)
    qtbot.addWidget(window)
    assert window.timer.interval() == 67
    original = window.dashboard.show_snapshots

    def slow(snaps):  # a frame that costs ~60 ms of GUI-thread CPU time
        deadline = time.thread_time() + 0.06
        while time.thread_time() < deadline:
            pass
        return original(snaps)

    window.dashboard.show_snapshots = slow
    window.show()
    qtbot.waitUntil(lambda: window.timer.interval() >= 100, timeout=10000)
    assert window.pacer.last_cpu_ms >= 50
    window.dashboard.show_snapshots = original
    qtbot.waitUntil(lambda: window.timer.interval() < 100, timeout=10000)


def test_every_chart_is_drawn_on_first_sight_then_staggered(qtbot, source) -> None:
    window = MainWindow(source)
    qtbot.addWidget(window)
    window.timer.stop()
    window.show()
    source.snaps = {f"s{i}": make_snapshot(f"s{i}") for i in range(6)}
    window.refresh()
    cards = window.dashboard.cards
    assert all(card.chart.series()[0].size for card in cards.values())
    source.snaps = {sid: make_snapshot(sid, version=2) for sid in source.snaps}
    window.refresh()
    redrawn = [sid for sid, card in cards.items() if card.chart_version == 2]
    assert len(redrawn) == 2  # one of three groups per tick...
    assert all(card.shown_version == 2 for card in cards.values())  # ...figures every tick


def test_pages_get_the_live_strategy_names_even_when_added_later(qtbot, source) -> None:
    """Pages with set_strategy_names (Alerts, Reports) show names, not ids."""
    from PySide6.QtWidgets import QWidget

    class Page(QWidget):
        def __init__(self) -> None:
            super().__init__()
            self.names: dict[str, str] = {}

        def set_strategy_names(self, names: dict[str, str]) -> None:
            self.names = names

    window = MainWindow(source)
    qtbot.addWidget(window)
    early = Page()
    window.add_page("early", "Early", early)
    source.snaps = {"s1": make_snapshot("s1")}
    window.refresh()
    assert early.names == {"s1": "Strategy s1"}
    late = Page()
    window.add_page("late", "Late", late)  # e.g. Reports, added once the backend is up
    assert late.names == {"s1": "Strategy s1"}
    assert window.banner.names == {"s1": "Strategy s1"}


def test_sidebar_and_view_menu_follow_the_workflow_whenever_pages_arrive(qtbot, source) -> None:
    window = MainWindow(source)
    qtbot.addWidget(window)
    window.add_page("reports", "Reports", QWidget())  # as the app adds them: late, any order
    window.add_page("alerts", "Alerts", QWidget())
    window.add_page("history", "History", QWidget())
    order = [
        "Dashboard", "Verification", "Alerts", "History", "Reports", "Thresholds",
        "Strategy setup", "Settings",
    ]  # fmt: skip
    layout = window.sidebar.layout()
    items = [layout.itemAt(i).widget() for i in range(layout.count())]
    sidebar = [w.text() for w in items if isinstance(w, QPushButton)]  # top to bottom
    assert sidebar == order
    menu = [a.text() for a in window.view_menu.actions()]
    assert menu[: len(order)] == order
    assert window.view_menu.actions()[len(order)].isSeparator()
    shortcuts = [window.navigation.actions[k].shortcut().toString() for k in window.navigation.keys]
    assert shortcuts == [f"Ctrl+{i}" for i in range(1, 8)] + ["Ctrl+,"]
    qtbot.mouseClick(window.navigation.buttons["history"], Qt.MouseButton.LeftButton)
    assert window.current_page() == "history"
    window.navigation.actions["alerts"].trigger()
    assert window.current_page() == "alerts"


def answer_next_dialog(qtbot, button_text: str, seen: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Click `button_text` in the modal box that is about to open (it blocks the test)."""

    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, click)
            return
        seen.append(box.text())
        next(b for b in box.buttons() if b.text().replace("&", "") == button_text).click()

    QTimer.singleShot(0, click)


def test_quit_asks_while_alerts_are_active(qtbot, source) -> None:
    window = MainWindow(source)
    qtbot.addWidget(window)
    window.show()
    window.refresh()
    window.quit_action.trigger()  # nothing active: quits at once
    assert not window.isVisible()
    window.show()
    source.alerts = [make_alert("s1"), make_alert("s2")]
    window.refresh()
    seen: list[str] = []
    answer_next_dialog(qtbot, "Cancel", seen)
    window.quit_action.trigger()
    assert window.isVisible() and seen == ["2 alerts are active. Quit anyway?"]
    answer_next_dialog(qtbot, "Quit", seen)
    window.quit_action.trigger()
    assert not window.isVisible()


def test_where_the_data_comes_from_stays_when_a_menu_is_opened(qtbot, source) -> None:
    """Opening a menu sends status tips (empty ones too); the engine/database line was a
    status-bar message and vanished for good the first time File was opened (seen under
    Xvfb). It is a widget now: a notice covers it only while it shows."""
    window = MainWindow(source)
    qtbot.addWidget(window)
    window.show()
    window.show_connection("Engine ws://127.0.0.1:9 · database: embedded PostgreSQL")
    window.menuBar().actions()[0].menu().popup(window.mapToGlobal(window.rect().center()))
    QApplication.sendEvent(window, QStatusTipEvent(""))  # what hovering a menu sends
    qtbot.keyClick(QApplication.activePopupWidget() or window, Qt.Key.Key_Escape)
    assert window.connection_label.isVisible()
    assert window.connection_label.text().startswith("Engine ws://127.0.0.1:9")
    window.show_notice("report saved")  # a passing notice covers it, then it is back
    assert window.statusBar().currentMessage() == "report saved"
    window.statusBar().clearMessage()
    assert window.connection_label.isVisible()


def test_reserved_pages_keep_every_entry_in_place_when_they_arrive(qtbot, source) -> None:
    """History and Reports come once the backend is up; their entries are there from the
    start, disabled, so Thresholds does not move under a click aimed at it (it did: the
    click opened Reports, inserted above it a moment before)."""
    window = MainWindow(source)
    qtbot.addWidget(window)
    for key, title in (("history", "History"), ("reports", "Reports")):
        window.reserve_page(key, title, "available once the database is connected")
    window.show()
    qtbot.waitExposed(window)
    thresholds = window.navigation.buttons["thresholds"]
    before = thresholds.mapTo(window, thresholds.rect().center())
    reports = window.navigation.buttons["reports"]
    assert not reports.isEnabled() and "once the database is connected" in reports.toolTip()
    assert not window.navigation.actions["reports"].isEnabled()
    qtbot.mouseClick(reports, Qt.MouseButton.LeftButton)
    assert window.current_page() == "dashboard"  # a reserved entry opens nothing
    store = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "perfdesk-test", "r")
    store.setValue("window/page", "reports")
    window_state.restore_page(window, store)  # the page is only reserved: stays put
    assert window.current_page() == "dashboard"
    window.add_page("history", "History", QWidget())
    window.add_page("reports", "Reports", QWidget())
    qtbot.wait(50)  # the layout settles
    assert thresholds.mapTo(window, thresholds.rect().center()) == before
    assert [k for k in window.navigation.keys].count("reports") == 1
    assert reports.isEnabled() and reports.toolTip() == "Reports (Ctrl+5)"
    qtbot.mouseClick(reports, Qt.MouseButton.LeftButton)
    assert window.current_page() == "reports"
    window_state.restore_page(window, store)
    assert window.current_page() == "reports"
    store.clear()
