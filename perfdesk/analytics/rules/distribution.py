"""Distribution rule: do live daily returns still come from the backtest's distribution?

Two-sample Kolmogorov-Smirnov test between the live standardised returns
z_t = (r_t − mu)/√h_t and the backtest's standardised residuals, both from the GARCH-t
model fitted to the backtest. Standardising removes volatility clustering, which would
otherwise make a raw-returns test reject healthy strategies in calm or busy spells.
"""

from __future__ import annotations

from perfdesk.analytics.drift import DriftTracker
from perfdesk.analytics.rules._common import (
    day_start,
    graded_p,
    insufficient,
    not_applicable,
    result,
)
from perfdesk.analytics.streaming import EquityStats
from perfdesk.domain.thresholds import DistributionThresholds
from perfdesk.domain.verdict import RuleResult

NAME = "distribution"


def distribution_rule(
    stats: EquityStats, tracker: DriftTracker | None, th: DistributionThresholds
) -> RuleResult:
    if tracker is None or not tracker.reference.size:
        return not_applicable(NAME, "no backtest profile with a fitted model", "ks")
    if tracker.n < th.min_days:
        return insufficient(NAME, f"{tracker.n} of {th.min_days} live days", "ks")
    d, p = tracker.ks()
    status = graded_p(p, th.warning_p, th.critical_p)
    return result(
        rule=NAME,
        status=status,
        value=d,
        unit="ks",
        message=f"KS distance {d:.3f} to the backtest (p={p:.3g}, {tracker.n} days)",
        since=day_start(stats, 0) if status.severity >= 2 else None,
        evidence={
            "value": d,
            "statistic": d,
            "p_value": p,
            "n_days": tracker.n,
            "n_backtest": int(tracker.reference.size),
            "warning_p": th.warning_p,
            "critical_p": th.critical_p,
        },
    )
