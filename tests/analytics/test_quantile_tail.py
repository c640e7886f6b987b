"""Calibrated quantile tables beyond their top (rules/_common.py `quantile`,
`exceedance`): a false-alarm rate or percentile finer than the simulation resolves is
read off the maximum's exponential tail, not clamped to the table's top."""

from __future__ import annotations

import math

import numpy as np
import pytest

from perfdesk.analytics import profile
from perfdesk.analytics.rules._common import exceedance, quantile, tail_quantile
from perfdesk.analytics.rules.drawdown import _limit
from perfdesk.analytics.scenarios import make_scenario
from perfdesk.domain.expectations import Quantiles
from perfdesk.domain.thresholds import Thresholds


def gumbel(p: float) -> float:
    return -math.log(-math.log(p))


def gumbel_table() -> Quantiles:
    return Quantiles(probs=profile.PROBS, values=tuple(gumbel(p) for p in profile.PROBS))


def test_beyond_the_table_a_gumbel_maximum_is_followed_to_within_a_percent() -> None:
    q = gumbel_table()
    for p in (0.9995, 0.9998, 0.9999, 0.99999):
        assert quantile(q, p) == pytest.approx(gumbel(p), rel=0.01)
    assert quantile(q, 0.999) == q.values[-1]  # inside: the table itself
    assert quantile(q, 0.97) == pytest.approx(gumbel(0.97), rel=1e-12)
    assert quantile(q, 0.9995) < quantile(q, 0.9998)  # finer levels, higher limits


def test_exceedance_is_the_inverse_of_the_quantile_inside_and_beyond_the_table() -> None:
    q = gumbel_table()
    for p in (0.55, 0.9, 0.985, 0.999, 0.9995, 0.9998, 0.99999):
        assert exceedance(q, quantile(q, p)) == pytest.approx(1.0 - p, rel=1e-9)
    assert exceedance(q, -10.0) == pytest.approx(1.0 - q.probs[0])  # below: clamped


def test_a_false_alarm_rate_below_the_float_resolution_of_one_minus_it_is_read_exactly() -> None:
    """1 − 5e-324 is 1.0: a critical false-alarm rate typed that small raised
    ZeroDivisionError in every drift rule, and every strategy read "could not judge"."""
    q = gumbel_table()
    for tail in (0.2, 1e-3, 1e-5):
        assert tail_quantile(q, tail) == pytest.approx(quantile(q, 1.0 - tail), rel=1e-9)
    tiny = [tail_quantile(q, t) for t in (1e-12, 1e-17, 1e-300, 5e-324)]
    assert all(math.isfinite(v) for v in tiny) and tiny == sorted(tiny)
    for tail in (1e-12, 1e-17):  # the Gumbel maximum's tail: −log(−log(1 − t)) ≈ −log t
        assert tail_quantile(q, tail) == pytest.approx(-math.log(tail), rel=0.01)
    assert exceedance(q, tail_quantile(q, 1e-300)) == pytest.approx(1e-300, rel=1e-6)
    assert tail_quantile(q, 0.0) == math.inf and quantile(q, 1.0) == math.inf


def test_a_flat_table_stays_flat() -> None:
    flat = Quantiles(probs=profile.PROBS, values=(0.0,) * len(profile.PROBS))
    assert quantile(flat, 0.9999) == 0.0
    assert exceedance(flat, 1.0) == pytest.approx(1.0 - profile.PROBS[-1])


def test_the_default_critical_limits_lie_above_the_warning_limits() -> None:
    """Page–Hinkley (0.05 % / 0.02 %) and drawdown (99.9 / 99.95th percentile) both sit
    at or beyond a 2,000-path table's top: their warning and critical limits were one
    number (seen in the demo: 'warning at 47.53, critical at 47.53'), so the rule went
    from OK to critical at once."""
    s = make_scenario("healthy", 0, np.random.default_rng(7))
    exp = profile.expectations_from_backtest(s.backtest, n_paths=2000, seed=0)
    assert exp.profile is not None and exp.profile.drift is not None
    th = Thresholds()
    ph = th.page_hinkley
    null = exp.profile.drift.ph_max
    warn = quantile(null, 1 - ph.warning_false_alarm)
    crit = quantile(null, 1 - ph.critical_false_alarm)
    assert null.values[-1] < warn < crit
    cal, dd = exp.profile.drawdown, th.drawdown
    assert cal is not None
    for days in (5, 60, 250):
        warn = _limit(cal, days, dd.warning_percentile)
        assert warn < _limit(cal, days, dd.critical_percentile) <= 1.0
