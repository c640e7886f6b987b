"""Drift rules: CUSUM, Page-Hinkley and the regime CUSUM on live daily returns.

(`cusum` and `page_hinkley` read the standardised returns; `regime_cusum` is the CUSUM
whose alternative runs its own volatility filter: perfdesk/analytics/drift.py.)

The limits are quantiles of the detectors' running maximum over 252 simulated healthy
live days (from the GARCH-t fitted to the backtest), chosen so that a healthy strategy
warns with probability `warning_false_alarm` and goes critical with probability
`critical_false_alarm` in its first live year. The status follows the *current*
statistic, so it recovers when the drift stops and the statistic decays.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from perfdesk.analytics.drift import DriftTracker
from perfdesk.analytics.rules._common import (
    day_start,
    graded,
    insufficient,
    not_applicable,
    result,
    tail_quantile,
)
from perfdesk.analytics.streaming import EquityStats
from perfdesk.domain.expectations import DriftCalibration, Expectations, Quantiles
from perfdesk.domain.status import Status
from perfdesk.domain.thresholds import DriftThresholds
from perfdesk.domain.verdict import RuleResult

CUSUM = "cusum"
PAGE_HINKLEY = "page_hinkley"
REGIME_CUSUM = "regime_cusum"
TITLES = {CUSUM: "CUSUM drift", PAGE_HINKLEY: "Page–Hinkley", REGIME_CUSUM: "Regime CUSUM"}
"""The titles a trader reads (the registry's, used in the rules' own messages)."""


@dataclass(frozen=True, slots=True)
class _Detector:
    """How a drift rule reads its live statistic and its calibrated null distribution."""

    name: str
    unit: str
    state: Callable[[DriftTracker], tuple[float, float, int | None]]  # value, max, since
    null_max: Callable[[DriftCalibration], Quantiles | None]


_DETECTORS = {
    CUSUM: _Detector(
        CUSUM, "llr", lambda t: (t.cusum, t.cusum_max, t.cusum_since), lambda c: c.cusum_max
    ),
    PAGE_HINKLEY: _Detector(
        PAGE_HINKLEY, "sd", lambda t: (t.ph, t.ph_max, t.ph_since), lambda c: c.ph_max
    ),
    REGIME_CUSUM: _Detector(
        REGIME_CUSUM,
        "llr",
        lambda t: (t.cusum_filtered, t.cusum_filtered_max, t.cusum_filtered_since),
        lambda c: c.filtered_max,
    ),
}


def cusum_rule(
    stats: EquityStats,
    exp: Expectations | None,
    tracker: DriftTracker | None,
    th: DriftThresholds,
) -> RuleResult:
    return drift_rule(CUSUM, stats, exp, tracker, th)


def page_hinkley_rule(
    stats: EquityStats,
    exp: Expectations | None,
    tracker: DriftTracker | None,
    th: DriftThresholds,
) -> RuleResult:
    return drift_rule(PAGE_HINKLEY, stats, exp, tracker, th)


def regime_cusum_rule(
    stats: EquityStats,
    exp: Expectations | None,
    tracker: DriftTracker | None,
    th: DriftThresholds,
) -> RuleResult:
    return drift_rule(REGIME_CUSUM, stats, exp, tracker, th)


def drift_rule(
    name: str,
    stats: EquityStats,
    exp: Expectations | None,
    tracker: DriftTracker | None,
    th: DriftThresholds,
) -> RuleResult:
    """The drift rule `name` (one of `_DETECTORS`) for one strategy."""
    det = _DETECTORS[name]
    cal = exp.profile.drift if exp and exp.profile else None
    null_max = det.null_max(cal) if cal is not None else None
    unfiltered = name == REGIME_CUSUM and tracker is not None and tracker.filtered is None
    if null_max is None or tracker is None or unfiltered:
        return not_applicable(name, "no calibrated backtest profile", det.unit)
    value, peak, since = det.state(tracker)
    return _rule(
        det,
        stats,
        value=value,
        peak=peak,
        since=since,
        null_max=null_max,
        th=th,
        days=tracker.n,
    )


def _rule(
    det: _Detector,
    stats: EquityStats,
    *,
    value: float,
    peak: float,
    since: int | None,
    null_max: Quantiles,
    th: DriftThresholds,
    days: int,
) -> RuleResult:
    name = det.name
    if days == 0:
        return insufficient(name, "no finished live day yet")
    warn = tail_quantile(null_max, th.warning_false_alarm)
    crit = max(tail_quantile(null_max, th.critical_false_alarm), warn)
    status = graded(value, warn, crit)
    limit = warn if status is Status.OK else crit
    return result(
        rule=name,
        status=status,
        value=value,
        limit=limit,
        unit=det.unit,
        message=f"{TITLES[name]} {value:.2f} (warning at {warn:.2f}, critical at {crit:.2f}) "
        f"over {days} days",
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
