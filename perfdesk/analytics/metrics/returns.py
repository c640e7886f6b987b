"""Return-level metrics: cumulative and annual returns, win/loss statistics, Kelly, ruin."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from perfdesk.analytics.metrics._core import (
    NAN,
    PERIODS_PER_YEAR,
    FloatArray,
    clean,
    safe_div,
)


def cum_returns(returns: npt.ArrayLike, starting_value: float = 0.0) -> FloatArray:
    """Compounded cumulative returns after each period (empyrical `cum_returns`).

    With `starting_value` 0 the result is a return (0.1 = +10 %); otherwise wealth.
    """
    arr = np.nan_to_num(np.asarray(returns, dtype=np.float64))
    wealth = np.cumprod(1.0 + arr)
    out = wealth - 1.0 if starting_value == 0 else wealth * starting_value
    return np.asarray(out, dtype=np.float64)


def cum_returns_final(returns: npt.ArrayLike, starting_value: float = 0.0) -> float:
    """Total compounded return over the whole series (QuantStats `comp`); NaN if empty.

    With a non-zero `starting_value` the final wealth instead (empyrical).
    """
    arr = clean(returns)
    if arr.size == 0:
        return NAN
    growth = float(np.prod(1.0 + arr))
    return growth - 1.0 if starting_value == 0 else growth * starting_value


cumulative_return = cum_returns_final
comp = cum_returns_final


def simple_returns(prices: npt.ArrayLike) -> FloatArray:
    """Period returns p[t] / p[t−1] − 1 of a 1-D price (or equity) series (empyrical).

    One value fewer than `prices`; a zero previous price gives ±inf (0 / 0 gives NaN).
    """
    arr = np.asarray(prices, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"prices must be 1-D, got shape {arr.shape}")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(arr[1:] / arr[:-1] - 1.0, dtype=np.float64)


def annual_return(returns: npt.ArrayLike, periods_per_year: float = PERIODS_PER_YEAR) -> float:
    """CAGR: (1 + total)^(periods_per_year / n) − 1; NaN if empty or wealth went negative.

    n counts *every* period, NaN ones included (empyrical): a NaN is a period whose return
    is unknown — time passed, wealth is taken as unchanged. QuantStats counts only the
    non-NaN periods; the two agree on series without NaN (see docs/metrics.md).
    """
    periods = np.asarray(returns, dtype=np.float64).size
    arr = clean(returns)
    if arr.size == 0:
        return NAN
    wealth = float(np.prod(1.0 + arr))
    if wealth < 0:
        return NAN
    return float(wealth ** (periods_per_year / periods) - 1.0)


cagr = annual_return


def expected_return(returns: npt.ArrayLike) -> float:
    """Geometric mean return per period (QuantStats `expected_return`)."""
    arr = clean(returns)
    if arr.size == 0:
        return NAN
    wealth = float(np.prod(1.0 + arr))
    return wealth ** (1.0 / arr.size) - 1.0 if wealth >= 0 else NAN


def avg_return(returns: npt.ArrayLike) -> float:
    """Mean of the non-zero returns (QuantStats `avg_return`)."""
    arr = clean(returns)
    nz = arr[arr != 0]
    return float(nz.mean()) if nz.size else NAN


def avg_win(returns: npt.ArrayLike) -> float:
    """Mean of the positive returns; NaN when there are none."""
    arr = clean(returns)
    wins = arr[arr > 0]
    return float(wins.mean()) if wins.size else NAN


def avg_loss(returns: npt.ArrayLike) -> float:
    """Mean of the negative returns (a negative number); NaN when there are none."""
    arr = clean(returns)
    losses = arr[arr < 0]
    return float(losses.mean()) if losses.size else NAN


def best(returns: npt.ArrayLike) -> float:
    arr = clean(returns)
    return float(arr.max()) if arr.size else NAN


def worst(returns: npt.ArrayLike) -> float:
    arr = clean(returns)
    return float(arr.min()) if arr.size else NAN


def exposure(returns: npt.ArrayLike) -> float:
    """Share of periods with a non-zero return ("time in market")."""
    arr = clean(returns)
    return float(np.count_nonzero(arr) / arr.size) if arr.size else NAN


def win_rate(returns: npt.ArrayLike) -> float:
    """Positive periods / non-zero periods (QuantStats); NaN if every return is zero."""
    arr = clean(returns)
    nz = np.count_nonzero(arr)
    return float(np.count_nonzero(arr > 0) / nz) if nz else NAN


def payoff_ratio(returns: npt.ArrayLike) -> float:
    """avg_win / |avg_loss|; NaN without wins or without losses."""
    return safe_div(avg_win(returns), abs(avg_loss(returns)))


win_loss_ratio = payoff_ratio


def profit_factor(returns: npt.ArrayLike) -> float:
    """Sum of gains / |sum of losses|. No losses: +inf if any gain, NaN if none (QuantStats
    returns 0 for the all-zero case; perfdesk says "undefined")."""
    arr = clean(returns)
    gains = float(arr[arr >= 0].sum())
    losses = abs(float(arr[arr < 0].sum()))
    if losses == 0:
        return math.inf if gains > 0 else NAN
    return gains / losses


def gain_to_pain_ratio(returns: npt.ArrayLike) -> float:
    """Sum of returns / |sum of negative returns| (Schwager); NaN without losses."""
    arr = clean(returns)
    return safe_div(float(arr.sum()), abs(float(arr[arr < 0].sum())))


def cpc_index(returns: npt.ArrayLike) -> float:
    """profit_factor × win_rate × payoff_ratio (QuantStats `cpc_index`)."""
    return profit_factor(returns) * win_rate(returns) * payoff_ratio(returns)


def kelly_criterion(returns: npt.ArrayLike) -> float:
    """Kelly fraction (b·p − q) / b with b = payoff ratio, p = win rate (per period)."""
    b, p = payoff_ratio(returns), win_rate(returns)
    if math.isnan(b) or b == 0:
        return NAN
    return (b * p - (1.0 - p)) / b


def risk_of_ruin(returns: npt.ArrayLike) -> float:
    """((1 − p) / (1 + p))^n with p = win rate and n = number of periods (QuantStats)."""
    arr = clean(returns)
    p = win_rate(arr)
    return ((1.0 - p) / (1.0 + p)) ** arr.size if not math.isnan(p) else NAN


def _longest_run(mask: npt.NDArray[np.bool_]) -> int:
    if not mask.any():
        return 0
    padded = np.concatenate(([0], mask.astype(np.int8), [0]))
    edges = np.flatnonzero(np.diff(padded))
    return int((edges[1::2] - edges[0::2]).max())


def consecutive_wins(returns: npt.ArrayLike) -> int:
    """Longest run of positive periods."""
    return _longest_run(clean(returns) > 0)


def consecutive_losses(returns: npt.ArrayLike) -> int:
    """Longest run of negative periods."""
    return _longest_run(clean(returns) < 0)


def outlier_win_ratio(returns: npt.ArrayLike, quantile: float = 0.99) -> float:
    """99th percentile return / mean non-negative return (QuantStats)."""
    arr = clean(returns)
    pos = arr[arr >= 0]
    if arr.size == 0 or pos.size == 0:
        return NAN
    return safe_div(float(np.quantile(arr, quantile)), float(pos.mean()))


def outlier_loss_ratio(returns: npt.ArrayLike, quantile: float = 0.01) -> float:
    """1st percentile return / mean negative return (QuantStats)."""
    arr = clean(returns)
    neg = arr[arr < 0]
    if neg.size == 0:
        return NAN
    return safe_div(float(np.quantile(arr, quantile)), float(neg.mean()))


def profit_ratio(returns: npt.ArrayLike) -> float:
    """(mean win / number of wins) / (|mean loss| / number of losses), wins being r ≥ 0
    (QuantStats `profit_ratio`, the report's "Profit Ratio"); 0 without wins, NaN
    without losses."""
    arr = clean(returns)
    wins, losses = arr[arr >= 0], arr[arr < 0]
    if wins.size == 0:
        return 0.0
    if losses.size == 0:
        return NAN
    win_part = abs(float(wins.mean()) / wins.size)
    return safe_div(win_part, abs(float(losses.mean()) / losses.size))


def risk_adjusted_return(
    returns: npt.ArrayLike, periods_per_year: float = PERIODS_PER_YEAR
) -> float:
    """CAGR / exposure: the growth rate per unit of time in the market (QuantStats `rar`)."""
    return safe_div(annual_return(returns, periods_per_year), exposure(returns))
