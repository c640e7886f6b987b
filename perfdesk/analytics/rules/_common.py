"""Small helpers shared by the rules."""

from __future__ import annotations

import bisect
from datetime import UTC, datetime
from typing import Any

from perfdesk.analytics.streaming import EquityStats
from perfdesk.domain.expectations import Quantiles
from perfdesk.domain.status import Status
from perfdesk.domain.verdict import RuleResult

_TOL = 1e-9
SECONDS_PER_DAY = 86_400.0


def to_datetime(ts: float | None) -> datetime | None:
    """POSIX seconds (UTC) → aware datetime; None stays None."""
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


def day_start(stats: EquityStats, index: int | None) -> datetime | None:
    """Start (00:00 UTC) of the `index`-th finished live day, None if unknown."""
    if index is None or not 0 <= index < len(stats.daily.days):
        return None
    return to_datetime(stats.daily.days[index] * SECONDS_PER_DAY)


def graded(value: float, warning: float, critical: float) -> Status:
    """OK / WARNING / CRITICAL for a value where higher is worse; limits are inclusive.

    A relative tolerance of 1e-9 keeps "exactly at the limit" inclusive despite rounding
    (0.08 / 0.1 is 0.7999999999999999 in binary floating point).
    """
    if value >= critical - _TOL * abs(critical):
        return Status.CRITICAL
    if value >= warning - _TOL * abs(warning):
        return Status.WARNING
    return Status.OK


def graded_p(p_value: float, warning_alpha: float, critical_alpha: float) -> Status:
    """OK / WARNING / CRITICAL for a p-value where lower is worse; alphas are inclusive."""
    if p_value <= critical_alpha:
        return Status.CRITICAL
    if p_value <= warning_alpha:
        return Status.WARNING
    return Status.OK


def interp(
    x: float, xs: tuple[float, ...] | tuple[int, ...], ys: tuple[float, ...] | list[float]
) -> float:
    """Linear interpolation, clamped at the ends (np.interp for one point, ~20× faster)."""
    if x <= xs[0]:
        return float(ys[0])
    if x >= xs[-1]:
        return float(ys[-1])
    i = bisect.bisect_right(xs, x)
    x0, x1, y0, y1 = xs[i - 1], xs[i], ys[i - 1], ys[i]
    return float(y0 + (y1 - y0) * (x - x0) / (x1 - x0))


def quantile(q: Quantiles, prob: float) -> float:
    """Linear interpolation in a calibrated quantile table (clamped at its ends)."""
    return interp(prob, q.probs, q.values)


_FIELD_DEFAULTS = tuple(
    (name, None if info.is_required() else info.get_default(call_default_factory=True))
    for name, info in RuleResult.model_fields.items()
)
"""(field, default) in declaration order, so dumps match validated results."""


def result(**fields: Any) -> RuleResult:
    """A RuleResult built without re-validation, the way `model_construct` builds one but
    ~4× faster: the rules build well-typed values, and validating ~10 results with their
    evidence for 200 strategies every second was half of a validation cycle.
    (tests/analytics/test_rules.py checks it equals a validated RuleResult.)"""
    values = {name: fields.get(name, default) for name, default in _FIELD_DEFAULTS}
    if "evidence" not in fields:
        values["evidence"] = {}
    obj = RuleResult.__new__(RuleResult)
    object.__setattr__(obj, "__dict__", values)
    object.__setattr__(obj, "__pydantic_fields_set__", set(fields))
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj


def insufficient(rule: str, why: str, unit: str = "", **evidence: object) -> RuleResult:
    return result(
        rule=rule, status=Status.INSUFFICIENT_DATA, message=why, unit=unit, evidence=evidence
    )


NOT_APPLICABLE = "applicable"


def not_applicable(rule: str, why: str, unit: str = "") -> RuleResult:
    """INSUFFICIENT_DATA marked as "this strategy has no expectation for this rule";
    the validator leaves such results out of the verdict."""
    return result(
        rule=rule,
        status=Status.INSUFFICIENT_DATA,
        message=why,
        unit=unit,
        evidence={NOT_APPLICABLE: False},
    )
