"""Probabilistic, minimum-track-record and deflated Sharpe ratios (Bailey & López de Prado,
"The Sharpe Ratio Efficient Frontier", J. of Risk 2012; "The Deflated Sharpe Ratio",
J. of Portfolio Management 2014).

Sharpe ratios are passed in *annualised* (like every other Sharpe in perfdesk) and
converted to per-period inside (÷ √periods_per_year), because the formulas hold for the
Sharpe ratio at the sampling frequency of the returns. Kurtosis is the *raw* moment
kurtosis γ₄ (3 for a normal), not excess kurtosis; skewness is the moment skewness γ₃.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

from perfdesk.analytics.metrics._core import NAN, PERIODS_PER_YEAR, clean

EULER_GAMMA = 0.5772156649015329
_STD_NORMAL = NormalDist()


def norm_cdf(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def norm_ppf(p: float) -> float:
    """Inverse standard normal CDF; ±inf at 0 and 1."""
    if not 0.0 < p < 1.0:
        return -math.inf if p <= 0 else math.inf
    return _STD_NORMAL.inv_cdf(p)


def moments(returns: npt.ArrayLike) -> tuple[int, float, float, float]:
    """(n, per-period Sharpe with ddof=1 std, moment skewness γ₃, raw moment kurtosis γ₄)."""
    arr = clean(returns)
    n = arr.size
    if n < 2:
        return n, NAN, NAN, NAN
    dev = arr - arr.mean()
    m2 = float(np.mean(dev**2))
    sd = float(np.std(arr, ddof=1))
    if m2 == 0 or sd == 0:
        return n, NAN, NAN, NAN
    g3 = float(np.mean(dev**3)) / m2**1.5
    g4 = float(np.mean(dev**4)) / m2**2
    return n, float(arr.mean()) / sd, g3, g4


def sharpe_std_error(sr: float, n: int, skew: float, kurt: float) -> float:
    """Standard error of a per-period Sharpe estimate √((1 − γ₃SR + (γ₄−1)/4·SR²)/(n−1))."""
    if n < 2:
        return NAN
    var = (1.0 - skew * sr + (kurt - 1.0) / 4.0 * sr * sr) / (n - 1)
    return math.sqrt(var) if var > 0 else NAN


def psr_from_stats(sr: float, sr_benchmark: float, n: int, skew: float, kurt: float) -> float:
    """PSR with per-period Sharpe ratios: Φ((SR − SR*) / σ(SR))."""
    se = sharpe_std_error(sr, n, skew, kurt)
    if math.isnan(se) or math.isnan(sr):
        return NAN
    return norm_cdf((sr - sr_benchmark) / se)


def min_trl_from_stats(
    sr: float, sr_benchmark: float, skew: float, kurt: float, alpha: float = 0.05
) -> float:
    """MinTRL in periods: 1 + (1 − γ₃SR + (γ₄−1)/4·SR²)·(z_{1−α}/(SR − SR*))².

    +inf when SR ≤ SR* (no track record is long enough).
    """
    if math.isnan(sr) or sr <= sr_benchmark:
        return math.inf
    z = norm_ppf(1.0 - alpha)
    return 1.0 + (1.0 - skew * sr + (kurt - 1.0) / 4.0 * sr * sr) * (z / (sr - sr_benchmark)) ** 2


def expected_max_sharpe(mean_sr: float, var_sr: float, n_trials: int) -> float:
    """E[max SR] of `n_trials` independent trials (False Strategy theorem), same units."""
    if n_trials < 2:
        return mean_sr
    z1 = norm_ppf(1.0 - 1.0 / n_trials)
    z2 = norm_ppf(1.0 - 1.0 / (n_trials * math.e))
    return mean_sr + math.sqrt(var_sr) * ((1 - EULER_GAMMA) * z1 + EULER_GAMMA * z2)


def probabilistic_sharpe_ratio(
    returns: npt.ArrayLike,
    benchmark_sharpe: float = 0.0,
    periods_per_year: float = PERIODS_PER_YEAR,
) -> float:
    """P(true Sharpe > benchmark_sharpe) given these returns; benchmark annualised."""
    n, sr, g3, g4 = moments(returns)
    return psr_from_stats(sr, benchmark_sharpe / math.sqrt(periods_per_year), n, g3, g4)


def minimum_track_record_length(
    returns: npt.ArrayLike,
    benchmark_sharpe: float = 0.0,
    alpha: float = 0.05,
    periods_per_year: float = PERIODS_PER_YEAR,
) -> float:
    """Periods of track record needed for PSR ≥ 1 − alpha at the observed SR, skew, kurtosis."""
    _n, sr, g3, g4 = moments(returns)
    return min_trl_from_stats(sr, benchmark_sharpe / math.sqrt(periods_per_year), g3, g4, alpha)


def deflated_sharpe_ratio(
    returns: npt.ArrayLike, trial_sharpes: npt.ArrayLike, periods_per_year: float = PERIODS_PER_YEAR
) -> float:
    """PSR against the expected maximum Sharpe of the trials (annualised `trial_sharpes`).

    SR₀ = √V·((1−γ)Φ⁻¹(1−1/N) + γΦ⁻¹(1−1/(Ne))) with V the sample variance (ddof=1) of the
    trials' Sharpe ratios and N their number; the paper centres the trials at zero mean.
    """
    trials = clean(trial_sharpes) / math.sqrt(periods_per_year)
    if trials.size < 2:
        return probabilistic_sharpe_ratio(returns, 0.0, periods_per_year)
    sr0 = expected_max_sharpe(0.0, float(np.var(trials, ddof=1)), trials.size)
    n, sr, g3, g4 = moments(returns)
    return psr_from_stats(sr, sr0, n, g3, g4)
