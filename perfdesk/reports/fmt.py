"""Report text for numbers and times: the figures read as on screen (perfdesk/figures.py:
true minus signs, "—" when missing, the minimum-sample words), plus the words a report
prints instead of some numbers ("no losing days") and UTC dates."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from perfdesk import figures
from perfdesk.analytics.metrics.sample_size import Insufficient

DASH = figures.DASH
NO_LOSSES = "no losing days"
"""How an infinite Sortino or profit factor reads: no period below the target."""
NO_LOSS_KEYS = frozenset({"sortino_ratio", "smart_sortino", "profit_factor"})
"""Metrics that are +inf exactly when no period lost (docs/metrics.md)."""


is_missing = figures.is_missing


def withheld(value: Any) -> str | None:
    """The text ("5 days — needs 20") of an annualised figure below the minimum sample,
    else None."""
    return str(value) if isinstance(value, Insufficient) else None


def metric_words(key: str, value: Any) -> str | None:
    """Words instead of a number for a metric: the minimum-sample text, or "no losing days"
    for a +inf Sortino / profit factor; None when the number is to be printed."""
    if key in NO_LOSS_KEYS and value == math.inf:
        return NO_LOSSES
    return withheld(value)


def pct(value: Any, digits: int = 1, *, signed: bool = False) -> str:
    """A fraction as a percentage, as on screen: 0.0123 -> "1.2%" (signed: "+1.2%")."""
    if isinstance(value, Insufficient) or value is None:
        return figures.percent(value, digits, signed)
    return figures.percent(float(value), digits, signed)


def num(value: Any, digits: int = 2) -> str:
    """A ratio or count; an Insufficient figure as its `withheld` words."""
    text = withheld(value)
    if text is not None:
        return text
    if is_missing(value):
        return DASH
    if isinstance(value, int) and not isinstance(value, bool):
        return figures.count(value)
    return figures.fixed(float(value), digits)


def money(value: Any) -> str:
    return DASH if is_missing(value) else figures.money(float(value), 0)


def day(ts: float | datetime | None) -> str:
    """A UTC calendar day, "2026-03-14"."""
    if ts is None:
        return DASH
    when = ts if isinstance(ts, datetime) else datetime.fromtimestamp(float(ts), UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%d")


def stamp(ts: datetime | None) -> str:
    """A UTC time stamp to the minute, "2026-03-14 07:00 UTC"."""
    if ts is None:
        return DASH
    return ts.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def value(value: Any) -> str:
    """Best-effort text for a metric of unknown kind (dates, counts, floats)."""
    text = withheld(value)
    if text is not None:
        return text
    if is_missing(value):
        return DASH
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return num(value)
    return str(value)


def tone(value: Any) -> str | None:
    """ "profit" / "loss" for a signed number, None when zero or missing."""
    if is_missing(value) or not isinstance(value, int | float) or value == 0:
        return None
    return "profit" if value > 0 else "loss"
