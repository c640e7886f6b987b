"""Gap decomposition: why live returns fell short of (or beat) the backtest.

All parts are fractions of the equity at the start of the range; positive numbers cost
performance. The expected return is the backtest's mean daily growth compounded over
the live days (or the declared annual return when there is no backtest profile).
Slippage counts only what exceeds the expected bps; fees count in full (profiles carry
no fee model); missed fills price the fills short of `trades_per_day` at the expected
return per expected fill; the remainder is everything else (signal decay, regime, luck).
"""

from __future__ import annotations

import math

import numpy as np

from perfdesk.analytics.history_types import DailyBars, FloatArray, GapDecomposition
from perfdesk.domain.expectations import Expectations


def expected_return(expectations: Expectations | None, days: int) -> float:
    """Expected compounded return over `days` daily periods; NaN if nothing is declared."""
    if expectations is None or days <= 0:
        return math.nan
    profile = expectations.profile
    if profile is not None and profile.daily_returns:
        growth = np.mean(np.log1p(np.asarray(profile.daily_returns, dtype=np.float64)))
        return float(math.expm1(growth * days))
    if expectations.annual_return is not None:
        ppy = expectations.periods_per_year
        return float((1.0 + expectations.annual_return) ** (days / ppy) - 1.0)
    return math.nan


def decompose(
    daily: DailyBars, returns: FloatArray, expectations: Expectations | None
) -> GapDecomposition | None:
    """The decomposition of one range; None without expectations or live days."""
    days = int(returns.size)
    exp = expected_return(expectations, days)
    if expectations is None or days == 0 or not math.isfinite(exp):
        return None
    start = _start_equity(daily)
    live = float(np.prod(1.0 + np.nan_to_num(returns)) - 1.0)
    slip = _excess_slippage(daily, expectations) / start
    fees = float(np.nansum(daily.fees)) / start
    expected_fills = (expectations.trades_per_day or 0.0) * days
    live_fills = float(np.nansum(daily.fills))
    missed = _missed_cost(exp, expected_fills, live_fills)
    shortfall = exp - live
    return GapDecomposition(
        expected_return=exp,
        live_return=live,
        shortfall=shortfall,
        slippage=slip,
        fees=fees,
        missed_fills=missed,
        remainder=shortfall - slip - fees - missed,
        start_equity=start,
        expected_fills=expected_fills,
        live_fills=live_fills,
    )


def _start_equity(daily: DailyBars) -> float:
    first = daily.open[np.isfinite(daily.open)]
    if first.size and first[0] > 0:
        return float(first[0])
    closes = daily.close[np.isfinite(daily.close)]
    return float(closes[0]) if closes.size and closes[0] > 0 else 1.0


def _excess_slippage(daily: DailyBars, expectations: Expectations) -> float:
    """Slippage cost above the expected bps on the same notional (currency)."""
    cost = float(np.nansum(daily.slippage_cost))
    expected = (expectations.slippage_bps or 0.0) * 1e-4 * float(np.nansum(daily.slippage_notional))
    return cost - expected


def _missed_cost(expected: float, expected_fills: float, live_fills: float) -> float:
    """Expected return of the fills that did not happen (0 if none are missing)."""
    if expected_fills <= 0 or live_fills >= expected_fills:
        return 0.0
    return expected * (expected_fills - live_fills) / expected_fills
