"""Backtest profiles: GARCH-t fit, calibration, distributions kept."""

from __future__ import annotations

import numpy as np
import pytest

from perfdesk.analytics import garch, scenarios
from perfdesk.analytics.profile import build_profile, expectations_from_backtest
from perfdesk.domain.expectations import Expectations, GarchParams

TRUE = GarchParams(mu=0.0005, omega=0.05 * 1e-4, alpha=0.08, beta=0.87, nu=5.0)


def test_fit_recovers_the_generating_model() -> None:
    r = garch.simulate(TRUE, 1, 6000, np.random.default_rng(11))[0]
    fit = garch.fit_garch_t(r)
    assert fit.alpha + fit.beta == pytest.approx(0.95, abs=0.03)
    assert fit.nu == pytest.approx(5.0, abs=1.5)
    assert fit.unconditional_variance == pytest.approx(1e-4, rel=0.2)


def test_fit_refuses_short_or_constant_series() -> None:
    with pytest.raises(ValueError, match="≥100"):
        garch.fit_garch_t(np.full(500, 0.001))
    with pytest.raises(ValueError, match="≥100"):
        garch.fit_garch_t(np.random.default_rng(0).normal(0, 0.01, 50))


def test_the_fit_never_tries_a_model_the_profile_would_refuse() -> None:
    """GarchParams admits a daily mean within ±10 only: the optimiser's objective treats
    a mean beyond as infeasible (as a persistence ≥ 0.999), never raising mid-fit."""
    r = np.random.default_rng(3).normal(0.0, 0.01, 300)
    sd = float(np.std(r))
    beyond = np.array([11.0 * 10.0 / sd, 0.05, 0.9, np.log(4.0)])  # mu = 11 a day
    assert garch._neg_loglik(beyond, r, sd * sd) == 1e10
    inside = np.array([0.0, 0.05, 0.9, np.log(4.0)])
    assert garch._neg_loglik(inside, r, sd * sd) < 1e10


def test_standardised_residuals_are_unit_variance() -> None:
    r = garch.simulate(TRUE, 1, 4000, np.random.default_rng(12))[0]
    z = garch.standardise(TRUE, r)
    assert z.std() == pytest.approx(1.0, abs=0.06)


def test_profile_keeps_distributions_and_monotone_calibration() -> None:
    r = garch.simulate(TRUE, 1, 756, np.random.default_rng(13))[0]
    dates = np.datetime64("2021-01-04") + np.arange(756).astype("timedelta64[D]")
    prof = build_profile(r, dates, n_paths=300)
    assert prof.n_days == 756 and len(prof.daily_returns) == 756
    assert len(prof.residuals) == 756
    assert prof.start is not None and prof.start.year == 2021
    pct = prof.return_percentiles
    assert pct["p1"] < pct["p50"] < pct["p99"]
    assert prof.drawdown_depth_percentiles["p50"] > 0
    assert prof.drawdown_duration_percentiles["p90"] >= 1
    assert prof.drift is not None and prof.drawdown is not None
    assert list(prof.drift.cusum_max.values) == sorted(prof.drift.cusum_max.values)
    deepest = [q.values[-1] for q in prof.drawdown.by_horizon]
    assert deepest == sorted(deepest)  # older strategies may have deeper drawdowns


def test_profile_is_deterministic_and_serialisable() -> None:
    r = garch.simulate(TRUE, 1, 300, np.random.default_rng(14))[0]
    a = expectations_from_backtest(r, n_paths=200, seed=3)
    b = expectations_from_backtest(r, n_paths=200, seed=3)
    assert a == b
    again = Expectations.model_validate_json(a.model_dump_json())
    assert again == a
    assert a.max_drawdown is not None and a.sharpe is not None


def test_short_backtest_has_no_model_but_a_profile() -> None:
    prof = build_profile(np.random.default_rng(0).normal(0, 0.01, 40))
    assert prof.garch is None and prof.drift is None
    with pytest.raises(ValueError, match="at least 2"):
        build_profile([0.01])


def test_scenarios_have_the_advertised_shape() -> None:
    rng = np.random.default_rng(0)
    crash = scenarios.make_scenario("crash", 0, rng)
    assert crash.change_day is not None
    sigma = np.sqrt(crash.params.unconditional_variance)
    assert crash.live[crash.change_day] == pytest.approx(crash.params.mu - 6 * sigma)
    decay = scenarios.make_scenario("decay", 4, rng)
    assert decay.regime.mu < 0 and decay.regime.vol_ratio == pytest.approx(1.4)
    assert decay.live.shape == (scenarios.LIVE_DAYS,)
