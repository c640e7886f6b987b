"""The capture, batting-average, roll_* and GPD tail metrics on fat-tailed generated series:
against empyrical-reloaded (dev dependency) and the GPD fit against scipy.stats.genpareto."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from perfdesk.analytics import metrics as m
from perfdesk.analytics.metrics import tail

ep = pytest.importorskip("empyrical", reason="empyrical-reloaded not installed")


@pytest.fixture
def bench(series: np.ndarray) -> np.ndarray:
    return 0.7 * series + np.random.default_rng(11).normal(0.0002, 0.008, series.size)


PAIRED = [
    ("capture", ep.capture, m.capture),
    ("up_capture", ep.up_capture, m.up_capture),
    ("down_capture", ep.down_capture, m.down_capture),
    ("up_down_capture", ep.up_down_capture, m.up_down_capture),
    ("up_alpha_beta", ep.up_alpha_beta, m.up_alpha_beta),
    ("down_alpha_beta", ep.down_alpha_beta, m.down_alpha_beta),
    ("batting_average", lambda r, b: ep.batting_average(r, b).to_numpy(), m.batting_average),
]


@pytest.mark.parametrize(("name", "theirs", "ours"), PAIRED, ids=[p[0] for p in PAIRED])
def test_benchmark_splits_match_empyrical(series, bench, name, theirs, ours) -> None:
    np.testing.assert_allclose(ours(series, bench), np.asarray(theirs(series, bench)), rtol=1e-9)


def test_roll_functions_match_empyrical(series, bench) -> None:
    np.testing.assert_allclose(
        m.roll_max_drawdown(series, 21), ep.roll_max_drawdown(series, window=21), rtol=1e-12
    )
    np.testing.assert_allclose(
        m.roll_up_capture(series, bench, 21), ep.roll_up_capture(series, bench, window=21),
        rtol=1e-9,
    )  # fmt: skip
    np.testing.assert_allclose(
        m.roll_sortino_ratio(series, 21), ep.roll_sortino_ratio(series, window=21), rtol=1e-9
    )
    assert m.roll_max_drawdown(series[:5], 21).size == 0


def test_cum_returns_final_starting_value(series) -> None:
    assert m.cum_returns_final(series, 100.0) == pytest.approx(
        float(ep.cum_returns_final(series, starting_value=100.0)), rel=1e-12
    )


def test_gpd_matches_empyrical(series) -> None:
    ours = m.gpd_risk_estimates(series)
    assert ours.fitted
    np.testing.assert_allclose(tuple(ours), ep.gpd_risk_estimates(series), rtol=1e-9)
    assert ours.es >= ours.var > 0


def test_gpd_fit_is_scipy_genpareto_mle_on_a_populated_tail() -> None:
    losses = stats.genpareto.rvs(0.3, scale=0.01, size=2000, random_state=7)
    shape, _loc, scale = stats.genpareto.fit(losses, floc=0)
    fit = tail.fit_gpd(losses)
    assert fit is not None
    assert fit == pytest.approx((scale, shape), rel=1e-4)
    assert tail.gpd_neg_loglik(fit, losses) == pytest.approx(
        -float(stats.genpareto.logpdf(losses, shape, scale=scale).sum()), rel=1e-6
    )


def test_gpd_without_losses_is_no_fit() -> None:
    assert m.gpd_risk_estimates([0.01, 0.02, 0.0, 0.03]) == tail.NO_FIT
    assert not m.gpd_risk_estimates([0.01, -0.02]).fitted  # fewer than 3 returns
    assert all(math.isnan(v) for v in tail.NO_FIT)
