"""Drawdown rule: the live max drawdown against the backtest.

The *maximum* drawdown seen live is compared, not the current one: a drawdown deeper
than the strategy was expected to suffer is evidence that it is not the strategy signed
off, even after it recovers. (The current drawdown is reported in the evidence.)

With a backtest profile, the limits are percentiles of the max drawdown of simulated
healthy live periods *of the same length* (a one-month-old strategy is held to a
one-month drawdown distribution). Without one, they are multiples of the declared
expected max drawdown.
"""

from __future__ import annotations

import bisect

from perfdesk.analytics.rules._common import (
    graded,
    insufficient,
    interp,
    not_applicable,
    quantile,
    result,
    to_datetime,
)
from perfdesk.analytics.streaming import EquityStats
from perfdesk.domain.expectations import DrawdownCalibration, Expectations
from perfdesk.domain.status import Status
from perfdesk.domain.thresholds import DrawdownThresholds
from perfdesk.domain.verdict import RuleResult

NAME = "drawdown"


def drawdown_rule(
    stats: EquityStats, expectations: Expectations | None, thresholds: DrawdownThresholds
) -> RuleResult:
    """Limits are inclusive. `value`/`limit` are positive fractions (unit "fraction")."""
    if stats.n_samples == 0:
        return insufficient(NAME, "no equity samples yet", "fraction")
    cal = expectations.profile.drawdown if expectations and expectations.profile else None
    if cal is not None:
        return _by_percentile(stats, cal, thresholds)
    expected = expectations.max_drawdown if expectations else None
    if expected is None:
        return not_applicable(NAME, "no expected max drawdown", "fraction")
    return _by_ratio(stats, expected, thresholds)


def _by_ratio(stats: EquityStats, expected: float, th: DrawdownThresholds) -> RuleResult:
    warn, crit = expected * th.warning_ratio, expected * th.critical_ratio
    ratio = float(stats.max_drawdown) / expected  # a 5e-324 expectation: inf, no warning
    status = graded(ratio, th.warning_ratio, th.critical_ratio)
    return _result(
        stats,
        status,
        warn,
        crit,
        f"vs expected {expected:.1%} ({ratio:.2f}×)",
        expected=expected,
        ratio=ratio,
    )


def _by_percentile(
    stats: EquityStats, cal: DrawdownCalibration, th: DrawdownThresholds
) -> RuleResult:
    days = len(stats.daily.values) + 1
    warn = _limit(cal, days, th.warning_percentile)
    crit = max(_limit(cal, days, th.critical_percentile), warn)
    status = graded(stats.max_drawdown, warn, crit)
    return _result(
        stats,
        status,
        warn,
        crit,
        f"vs {th.warning_percentile:.1%} of healthy {days}-day periods {warn:.1%}",
        live_days=days,
        warning_percentile=th.warning_percentile,
        critical_percentile=th.critical_percentile,
    )


def _limit(cal: DrawdownCalibration, days: int, prob: float) -> float:
    """Boundary `prob` at a live age of `days`, interpolated between the two horizons
    around it (linear; clamped beyond the calibrated ages; beyond the calibrated
    percentiles along the tail, `quantile`, at most a 100 % drawdown)."""
    hs = cal.horizons_days
    i = min(max(bisect.bisect_right(hs, days), 1), len(hs) - 1)
    lo, hi = quantile(cal.by_horizon[i - 1], prob), quantile(cal.by_horizon[i], prob)
    return min(interp(days, (hs[i - 1], hs[i]), (lo, hi)), 1.0)  # a tail beyond 100 %: never


def _result(
    stats: EquityStats, status: Status, warn: float, crit: float, how: str, **extra: object
) -> RuleResult:
    value = stats.max_drawdown
    limit = warn if status is Status.OK else crit
    return result(
        rule=NAME,
        status=status,
        message=f"max drawdown {value:.1%} {how}",
        value=value,
        limit=limit,
        unit="fraction",
        since=to_datetime(stats.max_drawdown_start),
        evidence={
            "value": value,
            "limit": limit,
            "warning_limit": warn,
            "critical_limit": crit,
            "current_drawdown": stats.drawdown,
            "since": stats.max_drawdown_start,
            "current_since": stats.drawdown_since,
            **extra,
        },
    )
