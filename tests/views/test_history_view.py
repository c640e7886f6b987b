"""History page on a real PostgreSQL and the real HistoryService, driven like a user."""

from __future__ import annotations

from history_seed import DAYS, seed
from PySide6.QtCore import Qt, QTimer
from views_factories import until

from perfdesk.bench.storage import synthetic_events
from perfdesk.domain.events import StrategyInfo
from perfdesk.domain.status import StrategyState
from perfdesk.services.history.service import HistoryService
from perfdesk.services.store.store import Store
from perfdesk.views.history.history_source import ServiceHistorySource
from perfdesk.views.history.history_tables import METRICS
from perfdesk.views.history.history_toolbar import StrategyPicker
from perfdesk.views.history.history_view import HistoryView
from perfdesk.views.support import ops


async def _view(qtbot, store: Store) -> HistoryView:  # type: ignore[no-untyped-def]
    view = HistoryView(ServiceHistorySource(HistoryService(store)))
    qtbot.addWidget(view)
    view.resize(1400, 900)
    return view


async def _loaded(view: HistoryView) -> list:  # type: ignore[type-arg]
    got: list = []  # type: ignore[type-arg]
    view.loaded.connect(got.append)
    await until(lambda: got, limit_s=60)
    return got[-1]


async def test_first_strategy_loads_and_every_part_is_shown(qtbot, store: Store) -> None:
    await seed(store, "alpha")
    await seed(store, "beta", with_expectations=False)
    view = await _view(qtbot, store)
    ticks: list[int] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(1)
    view.show()  # the first show fetches the strategy list, which picks the first one
    results = await _loaded(view)
    timer.stop()
    assert ticks, "the GUI loop kept running while the history loaded"
    assert view.picker.strategy_ids() == ["alpha", "beta"]
    assert view.picker.selected() == ["alpha"]
    result = results[0]
    assert result.strategy_id == "alpha" and result.n_days == DAYS
    overview = view.overview
    assert overview.metrics.rowCount() == len(METRICS)
    # Four days cannot fill a 5-day rolling window: the charts say so, not bare axes.
    for chart in (view.risk.sharpe, view.risk.vol):
        assert chart._note is not None and not chart._note.isHidden()
        assert chart._note.text().startswith("Needs more than 5 days of returns: 4 so far")
    metrics_table = overview.metrics_table
    live = overview.metrics.column_of("live")  # dates (max drawdown start/end) shown whole
    assert metrics_table.sizeHintForColumn(live) <= metrics_table.columnWidth(live)
    assert overview.equity.live.xData.size == result.t.size
    assert overview.kpis.cards["total"].value.text().endswith("%")
    # The range's Sharpe says which days it covers (a card's Live Sharpe covers all days);
    # the max drawdown is a positive depth, as everywhere else.
    result = view.results[0] if getattr(view, "results", None) else None
    days = result.n_days if result is not None else None
    sharpe_title = overview.kpis.cards["sharpe"].title.text()
    assert sharpe_title.startswith("SHARPE (") and sharpe_title.endswith(" DAYS)")
    assert days is None or str(days) in sharpe_title
    assert not overview.kpis.cards["maxdd"].value.text().startswith("\u2212")
    assert overview.gap.steps()[-1][2] == result.gap.live_return
    assert not view.progress.busy
    assert "1-minute bars" in view.progress.message.text()
    for page in (overview, view.risk, view.metrics, view.compare):
        assert not page.content.isHidden() and page.empty_label.isHidden()
    # The summary is readable and leaves the tabs their room (no scroll arrows).
    message = view.progress.message
    wanted = min(600, message.fontMetrics().horizontalAdvance(message.text()))
    # Once the layout has settled (it runs on the event loop after the text changed).
    qtbot.waitUntil(lambda: message.width() >= wanted, timeout=5000)
    bar = view.tabs.tabBar()
    qtbot.waitUntil(lambda: bar.width() >= bar.sizeHint().width(), timeout=5000)
    # In a 1024 px window the metrics keep all their columns; the equity chart gives way.
    view.resize(792, 600)
    await until(lambda: view.width() == 792)
    for table in (metrics_table, view.metrics.full_table):
        assert table.horizontalScrollBar().maximum() == 0


async def test_newest_request_wins(qtbot, store: Store) -> None:
    await seed(store, "alpha")
    view = await _view(qtbot, store)
    view.picker.set_strategies([("alpha", "Alpha")])
    got: list = []  # type: ignore[type-arg]
    view.loaded.connect(got.append)
    view.picker.select(["alpha"])  # request 1 (6M)
    first = view._pending
    view.ranges.changed.emit("1M")  # request 2 replaces it
    await until(lambda: got, limit_s=60)
    await until(first.done)
    assert first.cancelled()
    assert view._pending is None or view._pending.done()  # nothing else is on its way
    assert len(got) == 1 and view.ranges.preset == "1M"


async def test_cancel_stops_loading(qtbot, store: Store) -> None:
    await seed(store, "alpha")
    view = await _view(qtbot, store)
    view.picker.set_strategies([("alpha", "Alpha")])
    got: list = []  # type: ignore[type-arg]
    view.loaded.connect(got.append)
    view.picker.select(["alpha"])
    pending = view._pending
    view.progress.cancel.click()
    await until(pending.done)
    assert pending.cancelled()
    assert view.progress.message.text() == "Cancelled" and not view.progress.busy
    assert got == []


async def test_several_strategies_are_compared_side_by_side(qtbot, store: Store) -> None:
    await seed(store, "alpha")
    await seed(store, "beta", with_expectations=False)
    view = await _view(qtbot, store)
    view.picker.set_strategies([("alpha", "Alpha"), ("beta", "Beta")])
    view.picker.select(["alpha", "beta"])
    results = await _loaded(view)
    assert [r.strategy_id for r in results] == ["alpha", "beta"]
    table = view.compare.table
    assert table is not None
    model = table.source_model
    titles = [model.headerData(i, Qt.Orientation.Horizontal) for i in range(model.columnCount())]
    assert titles[1:] == ["ALPHA", "BETA"]
    assert len(view.compare.chart.curves) == 2
    assert view.detail.count() == 2
    view.detail.setCurrentIndex(1)  # the detail tabs switch without a reload
    assert view.overview.kpis.cards["alerts"].value.text() == "0"


def test_table_models_pass_the_model_tester(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    import numpy as np

    from perfdesk.analytics.history_analysis import analyze
    from perfdesk.analytics.history_types import DailyBars, HistoryInput
    from perfdesk.views.history.history_tables import (
        compare_model,
        drawdowns_model,
        metric_rows,
        metrics_model,
        yearly_model,
        yearly_rows,
    )

    n = 60
    day = 20_454 * 86_400.0 + 86_400.0 * np.arange(n)
    close = 1e6 * np.cumprod(1 + np.random.default_rng(2).normal(3e-4, 0.01, n))
    zeros = np.zeros(n)
    daily = DailyBars(day, close, close, zeros, zeros, zeros, zeros, zeros)
    result = analyze(HistoryInput("s", "S", "1d", day + 86_400, close, daily), replay=False)
    for model, rows in (
        (metrics_model(), metric_rows(result)),
        (drawdowns_model(), list(result.top_drawdowns)),
        (yearly_model(), yearly_rows(result)),
    ):
        model.upsert(rows)
        assert model.rowCount() == len(rows)
        qtmodeltester.check(model)
    qtmodeltester.check(compare_model([result, result]))


def test_top_drawdowns_list_the_deepest_first(qtbot) -> None:  # type: ignore[no-untyped-def]
    from perfdesk.analytics.history_types import DrawdownRow
    from perfdesk.views.history.history_pages import MetricsPage

    page = MetricsPage()
    qtbot.addWidget(page)
    rows = [
        DrawdownRow(start_ts=86_400.0 * (10 + i), valley_ts=86_400.0 * (11 + i), end_ts=None,
                    depth=depth, days=1.0)
        for i, depth in enumerate([-0.013, -0.145, -0.016, -0.02])
    ]  # fmt: skip
    page.drawdowns.upsert(rows)
    table = page.drawdowns_table
    depth = page.drawdowns.column_of("depth")
    shown = [table.proxy.index(r, depth).data() for r in range(table.proxy.rowCount())]
    # Deepest first, each as a positive depth (as on the cards and Verification).
    assert shown[0] == "14.5%" and shown[-1] == "1.3%"


async def test_an_empty_database_says_so(qtbot, store: Store) -> None:
    view = await _view(qtbot, store)
    view.show()
    await until(lambda: "No strategy stored yet" in view.progress.message.text())
    assert view.picker.selected() == [] and view.results == []
    # Each tab says what to do instead of showing empty axes (from 1970) and tables.
    for page in (view.overview, view.risk, view.metrics, view.compare):
        assert not page.empty_label.isHidden() and page.content.isHidden()
    # In a 1024 px window (792 px for the page) every tab stays in view beside the message.
    view.resize(792, 600)
    bar = view.tabs.tabBar()
    await until(lambda: view.width() == 792 and bar.width() >= bar.sizeHint().width())
    message = view.progress.message
    assert message.toolTip() == message.text()  # shortened on screen, whole in the tooltip


async def test_a_strategy_live_for_hours_only_loads_without_errors(qtbot, store: Store) -> None:
    """A fresh strategy (the demo's: a few hours, no backtest) has one daily return; the
    page used to fail half-way at the return histogram (pyqtgraph's auto-downsampling
    emptied the narrow step curve) and kept its progress bar forever."""
    await store.upsert_strategy(
        StrategyInfo(strategy_id="fresh", name="Fresh", status=StrategyState.ACTIVE)
    )
    await store.write_events(list(synthetic_events("fresh", 300, step_s=60.0)))
    failures: list[str] = []
    ops.runner().failed.connect(failures.append)
    view = await _view(qtbot, store)
    view.show()
    results = await _loaded(view)
    assert results[0].strategy_id == "fresh"
    await until(lambda: not view.progress.busy)
    assert failures == []
    assert view.overview.metrics.rowCount() == len(METRICS)  # the page was filled to the end
    assert "1-minute bars" in view.progress.message.text()


def _wheel(widget, steps: int, page=None, ctrl: bool = False) -> bool:  # type: ignore[no-untyped-def]
    """A wheel turn over `widget`; True if it took it. Qt hands an ignored *spontaneous*
    wheel event on to the parents; a synthetic one stops, so an ignored turn is handed
    to `page` here as Qt would."""
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    def turn(target):  # type: ignore[no-untyped-def]
        at = QPointF(target.width() / 2, target.height() / 2)
        return QWheelEvent(at, target.mapToGlobal(at), QPoint(0, 0), QPoint(0, 120 * steps),
                           Qt.MouseButton.NoButton, mods, Qt.ScrollPhase.NoScrollPhase,
                           False)  # fmt: skip

    mods = Qt.KeyboardModifier.ControlModifier if ctrl else Qt.KeyboardModifier.NoModifier

    event = turn(widget)
    QApplication.sendEvent(widget.viewport(), event)
    if not event.isAccepted() and page is not None:
        QApplication.sendEvent(page.viewport(), turn(page))
    return event.isAccepted()


def test_the_wheel_scrolls_the_page_until_the_chart_is_clicked(qtbot) -> None:  # type: ignore[no-untyped-def]
    import numpy as np
    from PySide6.QtWidgets import QScrollArea, QVBoxLayout, QWidget

    from perfdesk.views.history.history_charts import HistoryPlot

    page = QScrollArea()
    body = QWidget()
    column = QVBoxLayout(body)
    column.addSpacing(200)
    plot = HistoryPlot("equity")
    plot.setFixedHeight(300)
    plot.plot(np.arange(100.0) * 86400, np.linspace(1, 2, 100))
    column.addWidget(plot)
    column.addSpacing(2000)
    page.setWidget(body)
    page.setWidgetResizable(True)
    page.resize(800, 600)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitExposed(page)
    plot.reset_zoom()
    before = plot.getPlotItem().getViewBox().viewRange()[0]
    assert not _wheel(plot, -3, page)  # left to the page
    assert page.verticalScrollBar().value() > 0  # the page scrolled
    assert plot.getPlotItem().getViewBox().viewRange()[0] == before  # the chart did not zoom
    assert not plot.reset_button.isVisible()
    scrolled = page.verticalScrollBar().value()
    _wheel(plot, 3, page, ctrl=True)  # with Ctrl (or once clicked: focus) the wheel zooms
    assert page.verticalScrollBar().value() == scrolled
    zoomed = plot.getPlotItem().getViewBox().viewRange()[0]
    assert zoomed[1] - zoomed[0] < before[1] - before[0]  # focused: the wheel zooms
    assert plot.reset_button.isVisible()  # and Reset zoom shows
    qtbot.mouseClick(plot.reset_button, Qt.MouseButton.LeftButton)
    assert not plot.reset_button.isVisible()


def test_the_active_range_button_is_highlighted(qtbot) -> None:  # type: ignore[no-untyped-def]
    from perfdesk.views.history.history_toolbar import RangeBar

    bar = RangeBar("6M")
    qtbot.addWidget(bar)
    bar.show()
    qtbot.waitExposed(bar)

    def background(preset: str):  # type: ignore[no-untyped-def]
        button = bar.buttons[preset]
        return button.grab().toImage().pixelColor(3, button.height() // 2).name()

    assert background("6M") != background("1M")  # the chosen one stands out
    qtbot.mouseClick(bar.buttons["1M"], Qt.MouseButton.LeftButton)
    assert bar.preset == "1M" and background("1M") != background("6M")


def test_several_strategies_are_ticked_in_one_opening_of_the_picker(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Clicks and Space tick entries without closing the list (it closed on every click,
    so comparing six strategies meant opening it five times); Escape closes it."""
    picker = StrategyPicker()
    qtbot.addWidget(picker)
    picker.set_strategies([("a", "Alpha"), ("b", "Beta"), ("c", "Gamma")])
    picker.select(["a"])
    picked: list[list[str]] = []
    picker.changed.connect(picked.append)
    menu = picker.menu_
    menu.popup(picker.mapToGlobal(picker.rect().bottomLeft()))
    qtbot.waitExposed(menu)
    actions = menu.actions()
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(actions[1]).center())
    assert menu.isVisible() and picker.selected() == ["a", "b"]
    menu.setActiveAction(actions[2])
    qtbot.keyClick(menu, Qt.Key.Key_Space)
    assert menu.isVisible() and picker.selected() == ["a", "b", "c"]
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(actions[0]).center())
    assert picker.selected() == ["b", "c"] and picked[-1] == ["b", "c"]
    assert picker.text() == "Beta + 1 to compare"
    qtbot.keyClick(menu, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not menu.isVisible())
