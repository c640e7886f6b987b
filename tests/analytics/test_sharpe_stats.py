"""PSR / MinTRL / DSR as in Bailey & López de Prado, with the published numeric example."""

from __future__ import annotations

import math

import numpy as np
import pytest

from perfdesk.analytics import metrics as m
from perfdesk.analytics.metrics import sharpe_stats as ss


def test_deflated_sharpe_paper_example() -> None:
    """ "The Deflated Sharpe Ratio" (2014), numerical example: N = 100 trials whose annualised
    Sharpe ratios have variance 1/2, T = 1250 daily observations (250 a year), γ3 = −3,
    γ4 = 10, observed annualised SR 2.5 → SR₀ ≈ 0.1132 (per day) and DSR ≈ 0.9004."""
    sr0 = ss.expected_max_sharpe(0.0, 0.5 / 250, 100)
    assert sr0 == pytest.approx(0.1132, abs=5e-5)
    dsr = ss.psr_from_stats(2.5 / math.sqrt(250), sr0, 1250, -3.0, 10.0)
    assert dsr == pytest.approx(0.9004, abs=5e-4)


def test_psr_normal_case_is_lo_mertens() -> None:
    sr, n = 0.1, 500
    want = 0.5 * math.erfc(-(sr * math.sqrt(n - 1) / math.sqrt(1 + sr * sr / 2)) / math.sqrt(2))
    assert ss.psr_from_stats(sr, 0.0, n, 0.0, 3.0) == pytest.approx(want, rel=1e-12)


def test_negative_skew_and_fat_tails_lower_psr() -> None:
    base = ss.psr_from_stats(0.08, 0.0, 300, 0.0, 3.0)
    assert ss.psr_from_stats(0.08, 0.0, 300, -2.0, 3.0) < base
    assert ss.psr_from_stats(0.08, 0.0, 300, 0.0, 12.0) < base


@pytest.mark.parametrize("alpha", [0.01, 0.05, 0.1])
def test_min_trl_is_where_psr_reaches_confidence(alpha: float) -> None:
    sr, sr_star, g3, g4 = 0.12, 0.03, -0.7, 6.0
    n = ss.min_trl_from_stats(sr, sr_star, g3, g4, alpha)
    # PSR uses n − 1 in its standard error, MinTRL = 1 + ...: PSR(MinTRL) = 1 − α exactly
    assert ss.psr_from_stats(sr, sr_star, n, g3, g4) == pytest.approx(1 - alpha, rel=1e-9)


def test_min_trl_infinite_when_not_above_benchmark() -> None:
    assert ss.min_trl_from_stats(0.05, 0.05, 0.0, 3.0) == math.inf
    assert ss.min_trl_from_stats(0.01, 0.05, 0.0, 3.0) == math.inf


def test_returns_api_takes_annualised_sharpe_and_raw_kurtosis(series: np.ndarray) -> None:
    n, sr, g3, g4 = ss.moments(series)
    assert g4 == pytest.approx(m.kurtosis(series) * 0 + _raw_kurtosis(series), rel=1e-12)
    assert sr * math.sqrt(252) == pytest.approx(m.sharpe_ratio(series), rel=1e-12)
    psr = m.probabilistic_sharpe_ratio(series, benchmark_sharpe=0.5)
    assert psr == pytest.approx(ss.psr_from_stats(sr, 0.5 / math.sqrt(252), n, g3, g4))
    trl = m.minimum_track_record_length(series, benchmark_sharpe=0.0, alpha=0.05)
    assert trl == pytest.approx(ss.min_trl_from_stats(sr, 0.0, g3, g4, 0.05))


def _raw_kurtosis(r: np.ndarray) -> float:
    d = r - r.mean()
    return float(np.mean(d**4) / np.mean(d**2) ** 2)


def test_deflated_sharpe_ratio_penalises_many_trials(series: np.ndarray) -> None:
    one = m.probabilistic_sharpe_ratio(series)
    trials = np.random.default_rng(0).normal(0.0, 1.0, 200)
    dsr = m.deflated_sharpe_ratio(series, trials)
    assert dsr < one
    sr0 = ss.expected_max_sharpe(0.0, float(np.var(trials / math.sqrt(252), ddof=1)), 200)
    n, sr, g3, g4 = ss.moments(series)
    assert dsr == pytest.approx(ss.psr_from_stats(sr, sr0, n, g3, g4))


def test_degenerate_inputs_are_nan() -> None:
    assert math.isnan(m.probabilistic_sharpe_ratio([0.01]))
    assert math.isnan(m.probabilistic_sharpe_ratio([0.01, 0.01, 0.01]))
    assert m.minimum_track_record_length([0.0, 0.0]) == math.inf
