"""The minimum sample for annualised figures: one rule, a typed "insufficient" value."""

from __future__ import annotations

import math

import numpy as np
import pytest

from perfdesk.analytics import metrics as m
from perfdesk.analytics.metrics import sample_size as ss


def _five_good_days() -> np.ndarray:
    return np.array([0.02, 0.025, 0.018, 0.022, 0.019])


def test_five_days_withhold_every_annualised_figure() -> None:
    report = m.full_report(_five_good_days())
    assert report["periods"] == 5
    assert report["cagr"] > 10  # the formula's +1,000 %s is still computed ...
    for key in ("cagr", "sharpe_ratio", "annual_volatility", "sortino_ratio", "calmar_ratio"):
        shown = ss.shown(report, key)
        assert isinstance(shown, ss.Insufficient), key  # ... but never shown
        assert str(shown) == "5 days — needs 20"
        assert shown.value == report[key] or math.isnan(report[key])


def test_non_annualised_figures_show_at_any_sample() -> None:
    report = m.full_report(_five_good_days())
    for key in ("cumulative_return", "max_drawdown", "best_day", "win_rate"):
        assert ss.shown(report, key) == report[key]


@pytest.mark.parametrize(("n", "withheld"), [(19, True), (20, False), (250, False)])
def test_the_threshold_is_min_periods(n: int, withheld: bool) -> None:
    r = np.random.default_rng(n).normal(0.001, 0.01, n)
    shown = ss.shown(m.full_report(r), "sharpe_ratio")
    assert isinstance(shown, ss.Insufficient) is withheld
    assert ss.MIN_PERIODS == 20


def test_nan_periods_do_not_count_toward_the_sample() -> None:
    r = np.r_[np.full(15, np.nan), np.random.default_rng(1).normal(0.001, 0.01, 10)]
    report = m.full_report(r)
    assert report["periods"] == 10
    assert isinstance(ss.shown(report, "cagr"), ss.Insufficient)


def test_gate_with_unknown_sample_lets_the_value_through() -> None:
    assert ss.gate("sharpe_ratio", 1.5, None) == 1.5
    assert ss.annualised(1.5, 3) == ss.Insufficient(3, 20, 1.5)
    assert str(ss.Insufficient(1, 20)) == "1 day — needs 20"
    assert ss.gate("max_drawdown", -0.1, 3) == -0.1
