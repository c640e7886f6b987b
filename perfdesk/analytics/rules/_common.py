"""Small helpers shared by the rules."""

from __future__ import annotations

from datetime import UTC, datetime

from perfdesk.domain.status import Status

_TOL = 1e-9


def to_datetime(ts: float | None) -> datetime | None:
    """POSIX seconds (UTC) → aware datetime; None stays None."""
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


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
