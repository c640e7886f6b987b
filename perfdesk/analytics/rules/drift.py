"""Drift rules: CUSUM and Page-Hinkley on standardised live daily returns.

The limits are quantiles of the detectors' running maximum over 252 simulated healthy
live days (from the GARCH-t fitted to the backtest), chosen so that a healthy strategy
warns with probability `warning_false_alarm` and goes critical with probability
`critical_false_alarm` in its first live year. The status follows the *current*
statistic, so it recovers when the drift stops and the statistic decays.
"""

from __future__ import annotations

from perfdesk.analytics.drift import DriftTracker
from perfdesk.analytics.rules._common import (
    day_start,
    graded,
    insufficient,
    not_applicable,
    quantile,
    result,
)
from perfdesk.analytics.streaming import EquityStats
from perfdesk.domain.expectations import Expectations, Quantiles
from perfdesk.domain.status import Status
from perfdesk.domain.thresholds import DriftThresholds
from perfdesk.domain.verdict import RuleResult

CUSUM = "cusum"
PAGE_HINKLEY = "page_hinkley"


def cusum_rule(
    stats: EquityStats,
    exp: Expectations | None,
    tracker: DriftTracker | None,
    th: DriftThresholds,
) -> RuleResult:
    cal = exp.profile.drift if exp and exp.profile else None
    if cal is None or tracker is None:
        return not_applicable(CUSUM, "no calibrated backtest profile", "llr")
    return _rule(
        CUSUM,
        stats,
        value=tracker.cusum,
        peak=tracker.cusum_max,
        since=tracker.cusum_since,
        null_max=cal.cusum_max,
        th=th,
        days=tracker.n,
    )


def page_hinkley_rule(
    stats: EquityStats,
    exp: Expectations | None,
    tracker: DriftTracker | None,
    th: DriftThresholds,
) -> RuleResult:
    cal = exp.profile.drift if exp and exp.profile else None
    if cal is None or tracker is None:
        return not_applicable(PAGE_HINKLEY, "no calibrated backtest profile", "sd")
    return _rule(
        PAGE_HINKLEY,
        stats,
        value=tracker.ph,
        peak=tracker.ph_max,
        since=tracker.ph_since,
        null_max=cal.ph_max,
        th=th,
        days=tracker.n,
    )


def _rule(
    name: str,
    stats: EquityStats,
    *,
    value: float,
    peak: float,
    since: int | None,
    null_max: Quantiles,
    th: DriftThresholds,
    days: int,
) -> RuleResult:
    if days == 0:
        return insufficient(name, "no finished live day yet")
    warn = quantile(null_max, 1 - th.warning_false_alarm)
    crit = max(quantile(null_max, 1 - th.critical_false_alarm), warn)
    status = graded(value, warn, crit)
    limit = warn if status is Status.OK else crit
    return result(
        rule=name,
        status=status,
        value=value,
        limit=limit,
        unit="llr" if name == CUSUM else "sd",
        message=f"{name} {value:.2f} (warn {warn:.2f}, critical {crit:.2f}) over {days} days",
        since=day_start(stats, since) if status.severity >= 2 else None,
        evidence={
            "value": value,
            "limit": limit,
            "statistic": value,
            "max": peak,
            "warning_limit": warn,
            "critical_limit": crit,
            "n_days": days,
            "since_day": since,
            "warning_false_alarm": th.warning_false_alarm,
            "critical_false_alarm": th.critical_false_alarm,
        },
    )
