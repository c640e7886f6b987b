"""Number and time formatting for the views (one place, so every screen agrees)."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from perfdesk.analytics.metrics.sample_size import Insufficient

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
    """Local "HH:MM:SS" today, "MM-DD HH:MM" on another day."""
    if ts is None:
        return DASH
    local = ts.astimezone()
    if local.date() == datetime.now().astimezone().date():
        return local.strftime("%H:%M:%S")
    return local.strftime("%m-%d %H:%M")


def local_time(ts: datetime | None) -> str:
    return DASH if ts is None else ts.astimezone().strftime("%Y-%m-%d %H:%M:%S")
