"""Edge cases every metric documents: NaN input, empty input, zero variance, no losses."""

from __future__ import annotations

import math

import numpy as np
import pytest

from perfdesk.analytics import metrics as m


def test_nans_are_dropped() -> None:
    r = np.array([0.01, np.nan, -0.02, 0.03])
    assert m.sharpe_ratio(r) == pytest.approx(m.sharpe_ratio(r[~np.isnan(r)]))
    assert m.max_drawdown(r) == pytest.approx(-0.02)


@pytest.mark.parametrize(
    "fn",
    [
        m.sharpe_ratio,
        m.sortino_ratio,
        m.annual_return,
        m.annual_volatility,
        m.max_drawdown,
        m.calmar_ratio,
        m.value_at_risk,
        m.conditional_value_at_risk,
        m.tail_ratio,
        m.win_rate,
        m.cum_returns_final,
        m.stability_of_timeseries,
        m.omega_ratio,
    ],
)
def test_empty_is_nan(fn) -> None:
    assert math.isnan(fn(np.array([])))


def test_zero_variance_ratios_follow_the_sign_of_the_mean() -> None:
    flat = np.full(50, 0.001)
    assert m.sharpe_ratio(flat) == math.inf  # no variance, positive mean (empyrical)
    assert m.sortino_ratio(flat) == math.inf  # no losing day
    assert m.sharpe_ratio(-flat) == -math.inf
    assert math.isnan(m.sharpe_ratio(np.zeros(50)))  # 0 / 0
    assert math.isnan(m.sortino_ratio(np.zeros(50)))
    assert math.isnan(m.calmar_ratio(flat))  # no drawdown: undefined, as empyrical
    assert m.annual_volatility(flat) == 0.0


def test_sortino_without_a_losing_day_is_inf_with_noise() -> None:
    gains = np.random.default_rng(3).uniform(0.0, 0.01, 100)
    assert m.sortino_ratio(gains) == math.inf
    assert m.smart_sortino(gains) == math.inf


def test_rolling_sharpe_drops_a_nan_inside_the_window() -> None:
    r = np.random.default_rng(4).normal(0.001, 0.01, 40)
    r[25] = np.nan
    out = m.rolling_sharpe(r, window=10, periods_per_year=1)
    window = r[20:30]
    clean = window[~np.isnan(window)]
    assert out[29] == pytest.approx(clean.mean() / clean.std(ddof=1))


def test_weekly_buckets_run_monday_to_sunday() -> None:
    dates = np.arange("2024-01-05", "2024-01-16", dtype="datetime64[D]")  # Fri .. Mon
    weekly, keys = m.aggregate_returns(np.full(dates.size, 0.01), dates, "weekly")
    # Fri-Sun (3 days), Mon-Sun (7), Mon (1)
    np.testing.assert_allclose(weekly, [1.01**3 - 1, 1.01**7 - 1, 0.01])
    assert keys.size == 3


def test_no_losses() -> None:
    gains = np.array([0.01, 0.02, 0.0, 0.005])
    assert m.profit_factor(gains) == math.inf
    assert math.isnan(m.payoff_ratio(gains))
    assert math.isnan(m.gain_to_pain_ratio(gains))
    assert math.isnan(m.omega_ratio(gains))
    assert m.max_drawdown(gains) == 0.0
    assert m.win_rate(gains) == 1.0
    assert m.consecutive_losses(gains) == 0
    assert m.top_drawdowns(gains) == []


def test_drawdown_is_anchored_before_the_first_return() -> None:
    assert m.max_drawdown([-0.1, 0.05]) == pytest.approx(-0.1)
    info = m.max_drawdown_info([-0.1, 0.05, 0.1, -0.2, 0.3])
    assert info is not None
    assert (info.start, info.valley, info.end, info.recovered) == (3, 3, 3, True)
    first = m.drawdown_periods([-0.1, 0.05, 0.1, -0.2, 0.3])[0]
    assert (first.start, first.end, first.duration) == (0, 1, 2)


def test_unrecovered_drawdown_runs_to_the_end() -> None:
    d = m.drawdown_periods([0.1, -0.05, -0.05])[-1]
    assert (d.start, d.valley, d.end, d.recovered) == (1, 2, 2, False)


def test_dates_give_calendar_days() -> None:
    dates = np.array(["2024-01-01", "2024-01-02", "2024-01-05", "2024-01-10"], "datetime64[D]")
    info = m.max_drawdown_info([0.01, -0.02, -0.01, 0.05], dates)
    assert info is not None and info.days == 4  # Jan 2 .. Jan 5 inclusive


def test_monthly_table_compounds_within_a_month() -> None:
    dates = np.array(["2024-01-30", "2024-01-31", "2024-02-01"], "datetime64[D]")
    table = m.monthly_returns_table([0.1, 0.1, -0.5], dates)
    assert table[2024][0] == pytest.approx(0.21)
    assert table[2024][1] == pytest.approx(-0.5)
    assert math.isnan(table[2024][2])
    assert table[2024][12] == pytest.approx(1.21 * 0.5 - 1)


def test_full_report_has_every_listed_metric(series: np.ndarray) -> None:
    dates = np.datetime64("2022-01-03") + np.arange(series.size).astype("timedelta64[D]")
    report = m.full_report(series, dates, benchmark=series * 0.5 + 0.0001)
    for key in [
        "cumulative_return",
        "cagr",
        "annual_volatility",
        "sharpe_ratio",
        "smart_sharpe",
        "sortino_ratio",
        "smart_sortino",
        "omega_ratio",
        "calmar_ratio",
        "ulcer_index",
        "ulcer_performance_index",
        "gain_to_pain_ratio",
        "recovery_factor",
        "tail_ratio",
        "common_sense_ratio",
        "skew",
        "kurtosis",
        "value_at_risk",
        "conditional_value_at_risk",
        "kelly_criterion",
        "risk_of_ruin",
        "max_drawdown",
        "max_drawdown_start",
        "max_drawdown_duration",
        "average_drawdown",
        "win_rate",
        "win_rate_months",
        "payoff_ratio",
        "profit_factor",
        "max_consecutive_wins",
        "max_consecutive_losses",
        "best_day",
        "worst_day",
        "best_month",
        "worst_year",
        "alpha",
        "beta",
        "correlation",
        "r_squared",
        "information_ratio",
        "stability_of_timeseries",
        "probabilistic_sharpe_ratio",
    ]:
        assert key in report, key


def test_rolling_volatility_window() -> None:
    r = np.random.default_rng(1).normal(0, 0.01, 30)
    out = m.rolling_volatility(r, window=10, periods_per_year=1)
    assert np.isnan(out[:9]).all()
    assert out[9] == pytest.approx(np.std(r[:10], ddof=1))
    assert out[-1] == pytest.approx(np.std(r[-10:], ddof=1))


def test_rolling_sortino_equals_sortino_of_each_window_nan_dropped() -> None:
    r = np.random.default_rng(5).normal(0.001, 0.01, 40)
    r[12] = np.nan
    out = m.rolling_sortino(r, window=10, periods_per_year=252)
    for end in (9, 15, 39):
        assert out[end] == pytest.approx(m.sortino_ratio(r[end - 9 : end + 1]))
    assert m.rolling_sortino(np.full(12, 0.001), window=10)[-1] == math.inf
