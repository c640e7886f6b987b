"""Scenario generator and oracle used by `perfdesk bench validate` behave as documented."""

from __future__ import annotations

import numpy as np
import pytest

from perfdesk.analytics import scenarios as sc
from perfdesk.bench.validate import _hit, wilson


def test_wilson_interval_known_values() -> None:
    lo, hi = wilson(5, 10)
    assert (lo, hi) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert wilson(0, 10)[0] == 0.0 and wilson(0, 10)[1] == pytest.approx(0.2775, abs=1e-4)


def test_hit_window() -> None:
    sev = np.array([0, 0, 2, 0, 3])
    assert _hit(sev, 2, 1) and not _hit(sev, 3, 1) and _hit(sev, 3, 2, level=3)
    assert not _hit(np.zeros(5, dtype=int))


def test_oracle_separates_decay_from_health() -> None:
    rng = np.random.default_rng(0)
    p = sc.true_params(1)
    regime = sc.decay_regime(p, 1.6)
    healthy, h0 = sc.healthy_paths(p, 200, rng)
    null = sc.oracle_statistic(p, regime, healthy, h0).max(axis=1)
    decayed = np.stack([sc.simulate_path(p, regime, 0, sc.LIVE_DAYS, rng) for _ in range(50)])
    h_dec = np.full(50, p.unconditional_variance)
    alt = sc.oracle_statistic(p, regime, decayed, h_dec)[:, :60].max(axis=1)
    threshold = np.quantile(null, 0.9)
    # a 60-day decay crosses the 10 %-false-alarm (per year) line far more often than 10 %
    assert np.mean(alt >= threshold) > 0.3
    assert np.all(np.diff(sc.oracle_statistic(p, regime, healthy[:3], h0[:3]), axis=1) > -50)


def test_oracle_statistic_is_a_likelihood_ratio_maximum() -> None:
    p = sc.true_params(0)
    regime = sc.Regime(p.mu, 1.0)  # "alternative" equal to the null: the LLR is 0
    live, h0 = sc.healthy_paths(p, 5, np.random.default_rng(1))
    stat = sc.oracle_statistic(p, regime, live[:, :30], h0)
    np.testing.assert_allclose(stat, 0.0, atol=1e-9)
