"""The window on a 1024 x 700 screen and at 1440 x 900: nothing cut, no page wider than it.

Layout assertions only (sizes and scroll ranges after the layout settles), no timing.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QLabel
from views_factories import FakeSource, make_snapshot, until

from perfdesk.testing.sample_source import SampleSource
from perfdesk.views.alerts.alert_log_view import AlertLogView
from perfdesk.views.components.scroll_column import ScrollColumn
from perfdesk.views.shell.main_window import MainWindow
from perfdesk.views.strategy_setup.backtest_job import run_import


async def _window(qtbot, tmp_path, width: int, height: int) -> MainWindow:
    settings = QSettings(str(tmp_path / "perfdesk.ini"), QSettings.Format.IniFormat)
    source = SampleSource(count=8)
    window = MainWindow(source, settings=settings, who="ann")
    window.add_page("alerts", "Alerts", AlertLogView(source.active_alerts), "Ctrl+5")
    qtbot.addWidget(window)
    window.resize(width, height)
    window.show()
    window.refresh()
    await until(lambda: window.width() == width and len(window.dashboard.cards) == 8)
    return window


async def _cards_laid_out(window: MainWindow) -> None:
    """Until every card has its place in the grid (the layout ran after the last resize)."""
    dashboard = window.dashboard
    room = dashboard.viewport().width()

    def placed() -> bool:
        cards = dashboard.cards.values()
        return all(c.isVisible() and 0 < c.width() <= room for c in cards)

    await until(placed)


def _price_labels_fit(window: MainWindow) -> None:
    for card in window.dashboard.cards.values():
        for key in ("equity", "pnl"):
            label = card.metric_label(key)
            label.ensurePolished()  # the style sheet's price font
            needed = label.fontMetrics().horizontalAdvance(label.text())
            assert needed <= label.contentsRect().width(), (card.strategy_id, key, label.text())


async def test_every_page_fits_a_1024_wide_window(qtbot, tmp_path) -> None:
    window = await _window(qtbot, tmp_path, 1024, 700)
    # The banner's long message, seven alert actions, the forms' labels: none widens it.
    assert window.minimumSizeHint().width() <= 1024
    dashboard = window.dashboard
    await until(lambda: dashboard.summary.columns == 2)  # totals in two rows of two
    # once the layout has settled (the grid re-flows a tick after the window's resize)
    await until(lambda: dashboard.horizontalScrollBar().maximum() == 0)
    await _cards_laid_out(window)
    _price_labels_fit(window)  # cards two a row, each figure whole
    window.show_page("thresholds")
    view = window.thresholds
    await until(view.isVisible)
    for scroll in (view.splitter.widget(0), view.side_splitter.widget(1)):
        await until(lambda s=scroll: s.viewport().width() > 0)
        assert scroll.horizontalScrollBar().maximum() == 0, scroll.widget().objectName()


async def test_strategy_setup_preview_fits_1024(qtbot, tmp_path) -> None:
    path = tmp_path / "backtest.csv"
    rng = np.random.default_rng(3)
    equity = 1e6 * np.cumprod(1 + rng.normal(0.0005, 0.008, 400))
    rows = [f"{date(2023, 1, 2) + timedelta(days=i)},{e:.2f}" for i, e in enumerate(equity)]
    path.write_text("ts,equity\n" + "\n".join(rows) + "\n")
    window = await _window(qtbot, tmp_path, 1024, 700)
    window.show_page("setup")
    setup = window.setup
    setup._show_preview(run_import(path, {}, lambda _f, _s: None))
    await until(setup.preview_panel.isVisible)
    page = setup.findChild(ScrollColumn)  # the page's scrolling body
    assert page is not None
    await until(lambda: page.viewport().width() > 0)
    assert page.horizontalScrollBar().maximum() == 0
    for label in setup.figures.findChildren(QLabel):
        assert label.width() >= label.minimumSizeHint().width() or label.wordWrap()


async def test_at_1440_the_totals_are_one_row_and_cards_three_a_row(qtbot, tmp_path) -> None:
    window = await _window(qtbot, tmp_path, 1440, 900)
    dashboard = window.dashboard
    await until(lambda: dashboard.summary.columns == 4)
    assert dashboard._columns == 3
    assert dashboard.horizontalScrollBar().maximum() == 0
    await _cards_laid_out(window)
    _price_labels_fit(window)


@pytest.mark.parametrize("width", [1024, 1180, 1280, 1440, 1920])
async def test_dashboard_cards_show_whole_figures(qtbot, tmp_path, width) -> None:
    window = await _window(qtbot, tmp_path, width, 800)
    await until(lambda: window.dashboard._columns > 0)
    # once the posted layout requests ran (a tick after the resize): no sideways scrolling
    await until(lambda: window.dashboard.horizontalScrollBar().maximum() == 0)
    await _cards_laid_out(window)
    _price_labels_fit(window)


def test_an_empty_dashboard_says_why(qtbot) -> None:
    source = FakeSource()
    window = MainWindow(source)
    qtbot.addWidget(window)
    window.show()
    window.refresh()
    empty = window.dashboard.empty_label
    assert empty.isVisibleTo(window) and "first event from the engine" in empty.text()
    assert not window.dashboard.filter_edit.isVisibleTo(window)  # nothing to filter yet
    source.snaps = {"s1": make_snapshot("s1")}
    window.refresh()
    assert not empty.isVisibleTo(window) and window.dashboard.filter_edit.isVisibleTo(window)
    source.snaps = {}
    window.refresh()
    assert empty.isVisibleTo(window)
    assert window.dashboard.summary.values["count"].text() == "0"  # totals follow removals
