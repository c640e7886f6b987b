"""Risk and risk-adjusted metrics, following empyrical's conventions.

Sample standard deviations use ddof=1 (empyrical, QuantStats); downside risk is the root
mean square of the below-target part over *all* periods; risk-free rate 0. A ratio whose
denominator is zero is ±inf by the sign of its numerator for Sharpe and Sortino (as
empyrical: a strategy with no losing period has an infinite Sortino, shown as "no losing
days"), NaN for 0 / 0 and for the ratios empyrical leaves undefined (Calmar, omega).
`risk_free` and `required_return` are a number per period or an aligned array.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from perfdesk.analytics.metrics._core import (
    NAN,
    PERIODS_PER_YEAR,
    clean,
    dispersion,
    excess,
    ratio,
    safe_div,
    std,
)
from perfdesk.analytics.metrics.drawdowns import drawdown_series, max_drawdown
from perfdesk.analytics.metrics.returns import annual_return, cum_returns_final, profit_factor


def annual_volatility(returns: npt.ArrayLike, periods_per_year: float = PERIODS_PER_YEAR) -> float:
    """std(ddof=1) × √periods_per_year; NaN below two returns."""
    return std(clean(returns)) * math.sqrt(periods_per_year)


volatility = annual_volatility


def sharpe_ratio(
    returns: npt.ArrayLike,
    risk_free: npt.ArrayLike | float = 0.0,
    periods_per_year: float = PERIODS_PER_YEAR,
) -> float:
    """mean(r − rf) / std(r − rf, ddof=1) × √periods_per_year; rf per period.

    Below two returns NaN; no variance: ±inf by the sign of the mean (NaN if it is 0).
    """
    arr = excess(returns, risk_free)
    if arr.size < 2:
        return NAN
    return ratio(float(arr.mean()), dispersion(arr)) * math.sqrt(periods_per_year)


def autocorr_penalty(returns: npt.ArrayLike) -> float:
    """Lo (2002)-style penalty √(1 + 2 Σ (n−k)/n ρ₁^k) with |lag-1 autocorrelation| ρ₁."""
    arr = clean(returns)
    n = arr.size
    if n < 3 or std(arr[:-1]) == 0 or std(arr[1:]) == 0:
        return 1.0
    coef = abs(float(np.corrcoef(arr[:-1], arr[1:])[0, 1]))
    k = np.arange(1, n)
    return math.sqrt(1.0 + 2.0 * float(np.sum((n - k) / n * coef**k)))


def smart_sharpe(returns: npt.ArrayLike, periods_per_year: float = PERIODS_PER_YEAR) -> float:
    """Sharpe ratio divided by the autocorrelation penalty (QuantStats `smart_sharpe`)."""
    return sharpe_ratio(returns, periods_per_year=periods_per_year) / autocorr_penalty(returns)


def downside_risk(
    returns: npt.ArrayLike,
    required_return: npt.ArrayLike | float = 0.0,
    periods_per_year: float = PERIODS_PER_YEAR,
) -> float:
    """√mean(min(r − required, 0)²) × √periods_per_year (empyrical); NaN if empty."""
    below = np.minimum(excess(returns, required_return), 0.0)
    if below.size == 0:
        return NAN
    return math.sqrt(float(np.mean(below**2))) * math.sqrt(periods_per_year)


def sortino_ratio(
    returns: npt.ArrayLike,
    required_return: npt.ArrayLike | float = 0.0,
    periods_per_year: float = PERIODS_PER_YEAR,
) -> float:
    """mean(r − required) × periods_per_year / downside_risk (empyrical).

    Below two returns NaN; no period below `required_return`: +inf with a positive mean
    ("no losing days"), NaN when the mean is 0 too.
    """
    arr = excess(returns, required_return)
    if arr.size < 2:
        return NAN
    dr = downside_risk(arr, 0.0, periods_per_year)
    return ratio(float(np.mean(arr)) * periods_per_year, dr)


def smart_sortino(returns: npt.ArrayLike, periods_per_year: float = PERIODS_PER_YEAR) -> float:
    """Sortino ratio divided by the autocorrelation penalty (QuantStats `smart_sortino`)."""
    return sortino_ratio(returns, periods_per_year=periods_per_year) / autocorr_penalty(returns)


def omega_ratio(
    returns: npt.ArrayLike,
    risk_free: npt.ArrayLike | float = 0.0,
    required_return: float = 0.0,
    periods_per_year: float = PERIODS_PER_YEAR,
) -> float:
    """Σ gains above the per-period threshold / Σ losses below it (empyrical).

    The threshold is `required_return` (annual) de-annualised: (1 + R)^(1/ppy) − 1.
    NaN below two returns, when nothing is below the threshold or `required_return` ≤ −1.
    """
    arr = excess(returns, risk_free)
    if required_return <= -1 or arr.size < 2:
        return NAN
    thr = (
        required_return
        if periods_per_year == 1
        else (1 + required_return) ** (1 / periods_per_year) - 1
    )
    above = arr - thr
    den = -float(above[above < 0].sum())
    return float(above[above > 0].sum()) / den if den > 0 else NAN


def calmar_ratio(returns: npt.ArrayLike, periods_per_year: float = PERIODS_PER_YEAR) -> float:
    """Annual return / |max drawdown|; NaN without a drawdown."""
    mdd = max_drawdown(returns)
    return safe_div(annual_return(returns, periods_per_year), abs(mdd))


def skew(returns: npt.ArrayLike) -> float:
    """Bias-corrected sample skewness (pandas/QuantStats `skew`); NaN below 3 values."""
    arr = clean(returns)
    n = arr.size
    m2 = float(np.mean((arr - arr.mean()) ** 2)) if n else 0.0
    if n < 3 or m2 == 0:
        return NAN
    g1 = float(np.mean((arr - arr.mean()) ** 3)) / m2**1.5
    return float(g1 * math.sqrt(n * (n - 1)) / (n - 2))


def kurtosis(returns: npt.ArrayLike) -> float:
    """Bias-corrected sample *excess* kurtosis (pandas/QuantStats); NaN below 4 values.

    The PSR family uses raw (non-excess) moment kurtosis instead: see `sharpe_stats`.
    """
    arr = clean(returns)
    n = arr.size
    m2 = float(np.mean((arr - arr.mean()) ** 2)) if n else 0.0
    if n < 4 or m2 == 0:
        return NAN
    g2 = float(np.mean((arr - arr.mean()) ** 4)) / m2**2 - 3.0
    return ((n + 1) * g2 + 6.0) * (n - 1) / ((n - 2) * (n - 3))


def value_at_risk(returns: npt.ArrayLike, cutoff: float = 0.05) -> float:
    """Historical VaR: the `cutoff` percentile of returns (empyrical; negative = loss)."""
    arr = clean(returns)
    return float(np.percentile(arr, 100 * cutoff)) if arr.size else NAN


def conditional_value_at_risk(returns: npt.ArrayLike, cutoff: float = 0.05) -> float:
    """Historical CVaR / expected shortfall: mean of the worst ⌊(n−1)·cutoff⌋+1 returns."""
    arr = clean(returns)
    if arr.size == 0:
        return NAN
    idx = int((arr.size - 1) * cutoff)
    return float(np.mean(np.partition(arr, idx)[: idx + 1]))


def tail_ratio(returns: npt.ArrayLike) -> float:
    """|95th percentile| / |5th percentile| (empyrical); NaN if the 5th percentile is 0."""
    arr = clean(returns)
    if arr.size == 0:
        return NAN
    return safe_div(abs(float(np.percentile(arr, 95))), abs(float(np.percentile(arr, 5))))


def common_sense_ratio(returns: npt.ArrayLike) -> float:
    """profit_factor × tail_ratio (QuantStats)."""
    return profit_factor(returns) * tail_ratio(returns)


def stability_of_timeseries(returns: npt.ArrayLike) -> float:
    """R² of a linear fit to cumulative log returns (empyrical); NaN below 2 values."""
    arr = clean(returns)
    if arr.size < 2:
        return NAN
    y = np.cumsum(np.log1p(arr))
    x = np.arange(arr.size, dtype=np.float64)
    if std(y) == 0:
        return NAN
    r = float(np.corrcoef(x, y)[0, 1])
    return r * r


def recovery_factor(returns: npt.ArrayLike) -> float:
    """|sum of returns| / |max drawdown| (QuantStats uses the simple sum); NaN without DD."""
    arr = clean(returns)
    return safe_div(abs(float(arr.sum())), abs(max_drawdown(arr)))


def ulcer_index(returns: npt.ArrayLike) -> float:
    """√(Σ drawdown² / (n − 1)) over the anchored drawdown series (QuantStats)."""
    dd = drawdown_series(returns)
    return math.sqrt(float(np.sum(dd**2)) / (dd.size - 1)) if dd.size > 1 else NAN


def ulcer_performance_index(returns: npt.ArrayLike) -> float:
    """Total compounded return / ulcer index ("performance index", Martin ratio, rf 0)."""
    return safe_div(cum_returns_final(returns), ulcer_index(returns))


def serenity_index(returns: npt.ArrayLike) -> float:
    """Σ returns / (ulcer index × pitfall), pitfall = −CVaR(drawdowns) / std (QuantStats)."""
    arr = clean(returns)
    sd = std(arr)
    if arr.size < 2 or sd == 0:
        return NAN
    pitfall = -conditional_value_at_risk(drawdown_series(arr)) / sd
    return safe_div(float(arr.sum()), ulcer_index(arr) * pitfall)


def risk_return_ratio(returns: npt.ArrayLike) -> float:
    """mean / std (ddof=1), not annualised (QuantStats)."""
    arr = clean(returns)
    return safe_div(float(arr.mean()) if arr.size else NAN, std(arr))
