"""The validator runs the rules and a stale feed is a warning of its own."""

from __future__ import annotations

from datetime import UTC, datetime

from perfdesk.analytics.rules import registry
from perfdesk.analytics.streaming import EquityStats
from perfdesk.analytics.validator import validate
from perfdesk.domain.expectations import Expectations
from perfdesk.domain.status import Status
from perfdesk.domain.thresholds import Thresholds

T0 = 1_750_000_000.0  # Sunday 2025-06-15 15:06 UTC
FRIDAY_LATE = datetime(2025, 6, 13, 23, 59, 50, tzinfo=UTC).timestamp()
MONDAY = 1_749_427_200.0  # Monday 2025-06-09 00:00 UTC


def _stats(*points: tuple[float, float]) -> EquityStats:
    stats = EquityStats()
    for ts, eq in points:
        stats.update(ts, eq)
    return stats


def _at(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def test_fresh_healthy_strategy_is_ok() -> None:
    stats = _stats((T0, 100.0), (T0 + 1, 101.0))
    verdict = validate("s1", stats, Expectations(max_drawdown=0.1), Thresholds(), _at(T0 + 2))
    assert verdict.status is Status.OK
    assert {r.rule for r in verdict.rules} >= {"drawdown", "stale"}


def test_stale_feed_warns_without_touching_performance() -> None:
    stats = _stats((MONDAY, 100.0), (MONDAY + 1, 101.0))
    th = Thresholds(stale_after_s=10)
    verdict = validate("s1", stats, Expectations(max_drawdown=0.1), th, _at(MONDAY + 11))
    stale = verdict.rule("stale")
    assert stale is not None and stale.status is Status.WARNING
    assert "stale" in stale.message
    dd = verdict.rule("drawdown")
    assert dd is not None and dd.status is Status.OK
    assert verdict.status is Status.WARNING


def test_breaking_strategy_goes_critical() -> None:
    stats = _stats((T0, 100.0), (T0 + 1, 70.0))
    verdict = validate("s1", stats, Expectations(max_drawdown=0.1), Thresholds(), _at(T0 + 2))
    assert verdict.status is Status.CRITICAL


def test_rules_without_expectations_are_left_out() -> None:
    stats = _stats((T0, 100.0), (T0 + 1, 101.0))
    verdict = validate("s1", stats, None, Thresholds(), _at(T0 + 2))
    assert {r.rule for r in verdict.rules} == {"stale"}
    assert verdict.status is Status.OK


def test_profiled_strategy_runs_every_model_rule_and_catches_a_break() -> None:
    import numpy as np

    from perfdesk.analytics import garch
    from perfdesk.analytics.profile import expectations_from_backtest
    from perfdesk.analytics.replay import replay, transitions
    from perfdesk.domain.expectations import GarchParams

    p = GarchParams(mu=0.0005, omega=0.05e-4, alpha=0.07, beta=0.88, nu=6.0)
    r = garch.simulate(p, 1, 900, np.random.default_rng(5))[0]
    exp = expectations_from_backtest(r[:756], n_paths=300, win_rate=0.5)
    live = np.concatenate((r[756:856], [-0.12], np.random.default_rng(6).normal(-0.015, 0.02, 40)))
    verdicts = replay(live, exp)
    names = {x.rule for x in verdicts[-1].rules}
    no_expectation = {"slippage", "trade_frequency"}  # no expected slippage / trades a day
    assert names == set(registry.rule_ids()) - no_expectation
    assert verdicts[-1].status is Status.CRITICAL
    assert verdicts[100].rule("daily_loss").status.severity >= 2  # the crash day warns at once
    changes = transitions(verdicts)
    assert changes[-1].status is Status.CRITICAL
    assert all(c.changed for c in changes)


def test_a_weekend_does_not_age_a_weekday_strategy_feed() -> None:
    stats = _stats((FRIDAY_LATE - 1, 100.0), (FRIDAY_LATE, 100.5))
    th = Thresholds(stale_after_s=60)
    weekday = Expectations(max_drawdown=0.1)  # periods_per_year 252: trades Monday to Friday
    saturday_noon = FRIDAY_LATE + 10 + 12 * 3600
    stale = validate("s1", stats, weekday, th, _at(saturday_noon)).rule("stale")
    assert stale is not None and stale.status is Status.OK
    assert stale.value == 10.0  # only Friday's last ten seconds count
    monday = FRIDAY_LATE + 10 + 2 * 86_400 + 55
    stale = validate("s1", stats, weekday, th, _at(monday)).rule("stale")
    assert stale is not None and stale.status is Status.WARNING
    assert "of trading time" in stale.message and stale.value == 65.0


def test_a_seven_day_market_and_an_undeclared_strategy_age_on_the_calendar() -> None:
    stats = _stats((FRIDAY_LATE - 1, 100.0), (FRIDAY_LATE, 100.5))
    th = Thresholds(stale_after_s=60)
    saturday_noon = _at(FRIDAY_LATE + 10 + 12 * 3600)
    crypto = Expectations(max_drawdown=0.1, periods_per_year=365)
    for expectations in (crypto, None):
        stale = validate("s1", stats, expectations, th, saturday_noon).rule("stale")
        assert stale is not None and stale.status is Status.WARNING
