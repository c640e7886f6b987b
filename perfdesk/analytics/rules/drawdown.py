"""Drawdown rule: the live max drawdown against the expected (backtest) max drawdown.

The *maximum* drawdown seen live is compared, not the current one: a drawdown deeper
than the strategy was ever expected to suffer is evidence that it is not the strategy
signed off, even after it recovers. (The current drawdown is reported in the evidence.)
"""

from __future__ import annotations

from perfdesk.analytics.rules._common import graded, to_datetime
from perfdesk.analytics.streaming import EquityStats
from perfdesk.domain.expectations import Expectations
from perfdesk.domain.status import Status
from perfdesk.domain.thresholds import DrawdownThresholds
from perfdesk.domain.verdict import RuleResult

NAME = "drawdown"


def drawdown_rule(
    stats: EquityStats, expectations: Expectations | None, thresholds: DrawdownThresholds
) -> RuleResult:
    """WARNING at `warning_ratio` × expected max drawdown, CRITICAL at `critical_ratio` ×.

    Limits are inclusive. `value`/`limit` are positive fractions (unit "fraction").
    """
    expected = expectations.max_drawdown if expectations else None
    if expected is None:
        return _insufficient("no expected max drawdown")
    if stats.n_samples == 0:
        return _insufficient("no equity samples yet")
    value = stats.max_drawdown
    ratio = value / expected
    status = graded(ratio, thresholds.warning_ratio, thresholds.critical_ratio)
    limit = expected * (
        thresholds.warning_ratio if status is Status.OK else thresholds.critical_ratio
    )
    return RuleResult(
        rule=NAME,
        status=status,
        message=f"max drawdown {value:.1%} vs expected {expected:.1%} ({ratio:.2f}×)",
        value=value,
        limit=limit,
        unit="fraction",
        since=to_datetime(stats.max_drawdown_start),
        evidence={
            "value": value,
            "limit": limit,
            "expected": expected,
            "ratio": ratio,
            "warning_limit": expected * thresholds.warning_ratio,
            "critical_limit": expected * thresholds.critical_ratio,
            "current_drawdown": stats.drawdown,
            "since": stats.max_drawdown_start,
            "current_since": stats.drawdown_since,
        },
    )


def _insufficient(why: str) -> RuleResult:
    return RuleResult(rule=NAME, status=Status.INSUFFICIENT_DATA, message=why, unit="fraction")
