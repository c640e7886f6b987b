"""The threshold form's "test against history": draft vs saved rules replayed over real
stored history, markers on the chart, alerts per month."""

from __future__ import annotations

from history_seed import seed
from views_factories import until

from perfdesk.domain.thresholds import DailyLossThresholds, Thresholds
from perfdesk.services.history.service import HistoryService
from perfdesk.services.store.store import Store
from perfdesk.views.history.history_source import ServiceHistorySource
from perfdesk.views.thresholds.threshold_backtest import ThresholdBacktest

STRICT = Thresholds(daily_loss=DailyLossThresholds(warning_loss=0.001, critical_loss=0.002))


async def test_draft_and_saved_rules_are_replayed(qtbot, store: Store) -> None:
    await seed(store, "alpha")
    widget = ThresholdBacktest(
        ServiceHistorySource(HistoryService(store)), draft=lambda: STRICT, saved=Thresholds
    )
    qtbot.addWidget(widget)
    widget.show()  # loads the strategy list
    await until(lambda: widget.strategy.count() == 1)
    widget.set_strategy("alpha")
    got: list = []  # type: ignore[type-arg]
    widget.tested.connect(got.append)
    widget.run_button.click()
    await until(lambda: got, limit_s=60)
    draft, saved = got[0].summaries
    fired = [a for a in draft.fired if a.rule == "daily_loss"]
    assert fired, "a 0.1 % daily loss limit fires on this history"
    assert draft.alert_count >= saved.alert_count
    assert len(widget.chart.markers.data) == draft.alert_count
    assert widget.summary.text().startswith(f"Draft: {draft.alert_count} alert")
    assert " over 6 months" in widget.summary.text()  # the 6M preset, not calendar months
    assert "Saved rules:" in widget.summary.text()
    assert widget.per_month.months == list(got[0].months)


async def test_an_invalid_draft_is_not_tested(qtbot, store: Store) -> None:
    widget = ThresholdBacktest(ServiceHistorySource(HistoryService(store)), draft=lambda: None)
    qtbot.addWidget(widget)
    widget.set_strategy("alpha")
    widget.run()
    assert widget.summary.text() == "Cannot test: fix the draft's errors first."


async def test_without_a_source_yet_it_says_so_then_that_it_is_ready(qtbot, store: Store) -> None:
    await seed(store, "alpha")
    widget = ThresholdBacktest(None, draft=lambda: STRICT)
    qtbot.addWidget(widget)
    widget.show()
    assert widget.summary.text() == "Waiting for the database to start…"
    widget.set_strategy("alpha")
    widget.run()
    assert widget.summary.text() == "Cannot test yet: waiting for the database to start…"
    # The backend comes up (as after a restart): the panel no longer says it is waiting.
    widget.set_source(ServiceHistorySource(HistoryService(store)))
    await until(lambda: "waiting" not in widget.summary.text(), limit_s=30)
    assert widget.summary.text() == "Pick a strategy and a range, then test the draft."


def test_a_preset_range_is_summarised_as_its_own_months() -> None:
    from perfdesk.views.thresholds.threshold_backtest import months_text, span_months

    assert months_text(span_months("6M", [0.0, 200 * 86_400.0])) == "6 months"  # not 7
    assert months_text(span_months("1M", [])) == "1 month"
    assert months_text(span_months("ALL", [0.0, 365.25 * 86_400.0])) == "12 months"
    assert months_text(span_months("YTD", [0.0, 45 * 86_400.0])) == "1.5 months"


def test_alerts_per_month_without_alerts_shows_zero_to_one(qtbot) -> None:
    """No alert would have fired: the count axis runs 0–1, never below zero."""
    import numpy as np

    from perfdesk.analytics.history_types import ReplaySummary
    from perfdesk.views.history.history_charts import AlertsPerMonthChart

    chart = AlertsPerMonthChart()
    qtbot.addWidget(chart)
    chart.resize(500, 200)
    chart.show()
    chart.show_replay(ReplaySummary(np.zeros(3), (), (), {}), ["2026-05", "2026-06", "2026-07"])
    (_x, (y0, y1)) = chart.getPlotItem().getViewBox().viewRange()
    assert (y0, y1) == (0.0, 1.0)
    assert chart.empty.toPlainText() == "No alert would have fired"
