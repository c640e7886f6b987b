"""Up/down-market metrics against a benchmark (empyrical's `capture`, `up_capture`,
`down_capture`, `up_down_capture`, `up_alpha_beta`, `down_alpha_beta`, `batting_average`).

Returns and benchmark are aligned 1-D arrays of the same length; a period where either is
NaN is dropped. "Up" periods are those where the benchmark rose (> 0), "down" where it
fell (< 0); a flat benchmark period is in neither, except in the batting average, which
counts it as up (empyrical).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from perfdesk.analytics.metrics._core import NAN, PERIODS_PER_YEAR, FloatArray
from perfdesk.analytics.metrics.benchmark import alpha_beta, paired
from perfdesk.analytics.metrics.returns import annual_return


def capture(
    returns: npt.ArrayLike, benchmark: npt.ArrayLike, periods_per_year: float = PERIODS_PER_YEAR
) -> float:
    """annual_return(r) / annual_return(b): how much of the benchmark's growth the
    strategy captured (1.0 = all of it). Each side is annualised over its own periods,
    NaN ones included (empyrical); NaN if the benchmark's annual return is 0."""
    theirs = annual_return(benchmark, periods_per_year)
    ours = annual_return(returns, periods_per_year)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.float64(ours) / np.float64(theirs)) if theirs != 0 else NAN


def _market(
    returns: npt.ArrayLike, benchmark: npt.ArrayLike, up: bool
) -> tuple[FloatArray, FloatArray]:
    r, b = paired(returns, benchmark)
    keep = b > 0 if up else b < 0
    return r[keep], b[keep]


def up_capture(
    returns: npt.ArrayLike, benchmark: npt.ArrayLike, periods_per_year: float = PERIODS_PER_YEAR
) -> float:
    """`capture` over the periods where the benchmark rose; NaN if it never did."""
    return capture(*_market(returns, benchmark, True), periods_per_year)


def down_capture(
    returns: npt.ArrayLike, benchmark: npt.ArrayLike, periods_per_year: float = PERIODS_PER_YEAR
) -> float:
    """`capture` over the periods where the benchmark fell (below 1.0 = lost less than it)."""
    return capture(*_market(returns, benchmark, False), periods_per_year)


def up_down_capture(
    returns: npt.ArrayLike, benchmark: npt.ArrayLike, periods_per_year: float = PERIODS_PER_YEAR
) -> float:
    """up_capture / down_capture (above 1: gains more in up markets than it loses in down)."""
    up = up_capture(returns, benchmark, periods_per_year)
    down = down_capture(returns, benchmark, periods_per_year)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.float64(up) / np.float64(down)) if down != 0 else NAN


def up_alpha_beta(
    returns: npt.ArrayLike, benchmark: npt.ArrayLike, periods_per_year: float = PERIODS_PER_YEAR
) -> tuple[float, float]:
    """(alpha, beta) over the periods where the benchmark rose."""
    return alpha_beta(*_market(returns, benchmark, True), periods_per_year)


def down_alpha_beta(
    returns: npt.ArrayLike, benchmark: npt.ArrayLike, periods_per_year: float = PERIODS_PER_YEAR
) -> tuple[float, float]:
    """(alpha, beta) over the periods where the benchmark fell."""
    return alpha_beta(*_market(returns, benchmark, False), periods_per_year)


class BattingAverage(NamedTuple):
    """Share of periods the strategy beat the benchmark: overall, when the benchmark was
    up (≥ 0) and when it was down (< 0); NaN where there is no such period."""

    overall: float
    up_market: float
    down_market: float


def _share(beat: npt.NDArray[np.bool_]) -> float:
    return float(beat.mean()) if beat.size else NAN


def batting_average(returns: npt.ArrayLike, benchmark: npt.ArrayLike) -> BattingAverage:
    """Share of periods with r > b (empyrical `batting_average`), in all, up and down
    markets; non-finite periods are dropped."""
    r, b = paired(returns, benchmark)
    finite = np.isfinite(r) & np.isfinite(b)
    r, b = r[finite], b[finite]
    beat = r - b > 0
    return BattingAverage(_share(beat), _share(beat[b >= 0]), _share(beat[b < 0]))
