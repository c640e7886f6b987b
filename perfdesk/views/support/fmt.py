"""Number and time formatting for the views (one place, so every screen agrees).

Times are shown in one display zone, with its name: the computer's own ("local", the
default), UTC, or a named IANA zone, chosen in Settings › Appearance (`set_display_zone`).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, tzinfo

from perfdesk.analytics.metrics.sample_size import Insufficient
from perfdesk.domain.time_zones import zone_for

_display_zone: tzinfo | None = None  # None: the computer's local zone


def set_display_zone(name: str) -> None:
    """Show every time in zone `name` from now on (see `zone_for`)."""
    global _display_zone  # noqa: PLW0603 - one display preference, like the theme
    _display_zone = zone_for(name)


def in_display_zone(ts: datetime) -> datetime:
    return ts.astimezone(_display_zone) if _display_zone is not None else ts.astimezone()


def _zone_name(ts: datetime) -> str:
    return ts.tzname() or "UTC"


DASH = "—"


MINUS = "\u2212"


def _number(value: float, decimals: int, signed: bool, grouping: bool = True) -> str:
    """Formatted with a true minus sign (columns of figures align) and no "−0.0": a value
    that rounds to zero has no sign."""
    text = f"{abs(value):,.{decimals}f}" if grouping else f"{abs(value):.{decimals}f}"
    if float(text.replace(",", "")) == 0:
        return text
    if value < 0:
        return MINUS + text
    return "+" + text if signed else text


def money(value: float | None, decimals: int = 2) -> str:
    """ "1,234.50" / "−87.10"."""
    if value is None or not math.isfinite(value):
        return DASH
    return _number(value, decimals, signed=False)


def signed_money(value: float | None, decimals: int = 2) -> str:
    """ "+1,234.50" / "−87.10" (a true minus sign, so columns of figures align)."""
    if value is None or not math.isfinite(value):
        return DASH
    return _number(value, decimals, signed=True)


def percent(fraction: float | Insufficient | None, decimals: int = 1, signed: bool = False) -> str:
    """0.123 -> "12.3%" (−0.05 -> "−5.0%"; signed: "+12.3%"); an annualised figure below
    the minimum sample as "5 days — needs 20"."""
    if isinstance(fraction, Insufficient):
        return str(fraction)
    if fraction is None or not math.isfinite(fraction):
        return DASH
    return f"{_number(fraction * 100, decimals, signed)}%"


def depth(fraction: float | None, decimals: int = 1) -> str:
    """A drawdown as its depth below the peak, always positive: "18.3%" (the same figure
    whether the source counts it as 0.183 or −0.183; one sign on every screen)."""
    if fraction is None or not math.isfinite(fraction):
        return DASH
    return percent(abs(fraction), decimals)


def ratio(value: float | Insufficient | None, decimals: int = 2) -> str:
    """A ratio to `decimals`; below the minimum sample "5 days — needs 20"."""
    if isinstance(value, Insufficient):
        return str(value)
    if value is None or not math.isfinite(value):
        return DASH
    return _number(value, decimals, signed=False, grouping=False)


def number(value: float | None, digits: int = 4) -> str:
    """A measured value of any size: 4 significant digits, thousands grouped, never in
    exponent notation for everyday sizes ("1,234,567", "0.0123", "−2.5", "10")."""
    if value is None or not math.isfinite(value):
        return DASH
    if value != 0 and (abs(value) < 1e-4 or abs(value) >= 1e15):
        return f"{value:.{digits - 1}e}".replace("-", MINUS)
    magnitude = math.floor(math.log10(abs(value))) if value else 0
    text = _number(value, max(0, digits - 1 - magnitude), signed=False)
    return text.rstrip("0").rstrip(".") if "." in text else text


def count(value: int | None) -> str:
    return DASH if value is None else f"{value:,}"


def pnl_kind(value: float | None) -> str:
    """ "profit", "loss" or "flat": the QSS `pnl` property for a P/L figure."""
    if value is None or not math.isfinite(value) or value == 0:
        return "flat"
    return "profit" if value > 0 else "loss"


def age(ts: datetime | float | None, now: datetime | None = None) -> str:
    """How long ago: "3 s", "4 min", "2 h", "5 d". `ts` is a datetime or POSIX seconds."""
    if ts is None:
        return DASH
    moment = datetime.fromtimestamp(ts, UTC) if isinstance(ts, int | float) else ts
    seconds = max(0.0, ((now or datetime.now(UTC)) - moment).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{int(seconds // size)} {unit}"
    return f"{int(seconds)} s"


def short_time(ts: datetime | None) -> str:
    """ "HH:MM:SS CET" today, "Dec 06 14:02 CET" on another day (display zone)."""
    if ts is None:
        return DASH
    shown = in_display_zone(ts)
    if shown.date() == in_display_zone(datetime.now(UTC)).date():
        return f"{shown:%H:%M:%S} {_zone_name(shown)}"
    return f"{shown:%b %d %H:%M} {_zone_name(shown)}"


def clock_time(ts: datetime | None) -> str:
    """ "HH:MM:SS" today, "Dec 06 14:02" on another day (display zone; the zone's name is
    in the column's tooltip): for narrow columns of recent times."""
    if ts is None:
        return DASH
    shown = in_display_zone(ts)
    if shown.date() == in_display_zone(datetime.now(UTC)).date():
        return f"{shown:%H:%M:%S}"
    return f"{shown:%b %d %H:%M}"


def local_time(ts: datetime | None) -> str:
    """ "2026-12-07 14:02:05 CET": date, time and zone (display zone)."""
    if ts is None:
        return DASH
    shown = in_display_zone(ts)
    return f"{shown:%Y-%m-%d %H:%M:%S} {_zone_name(shown)}"


def minute_time(ts: datetime | None) -> str:
    """ "2026-12-07 14:02 CET" (display zone): schedules and runs."""
    if ts is None:
        return DASH
    shown = in_display_zone(ts)
    return f"{shown:%Y-%m-%d %H:%M} {_zone_name(shown)}"
