"""Number and time formatting for the views (one place, so every screen agrees)."""

from __future__ import annotations

import math
from datetime import UTC, datetime

DASH = "—"


def money(value: float | None, decimals: int = 2) -> str:
    if value is None or not math.isfinite(value):
        return DASH
    return f"{value:,.{decimals}f}"


def signed_money(value: float | None, decimals: int = 2) -> str:
    """ "+1,234.50" / "−87.10" (a true minus sign, so columns of figures align)."""
    if value is None or not math.isfinite(value):
        return DASH
    sign = "+" if value > 0 else "\u2212" if value < 0 else ""
    return f"{sign}{abs(value):,.{decimals}f}"


def percent(fraction: float | None, decimals: int = 1, signed: bool = False) -> str:
    """0.123 -> "12.3 %"."""
    if fraction is None or not math.isfinite(fraction):
        return DASH
    text = signed_money(fraction * 100, decimals) if signed else f"{fraction * 100:.{decimals}f}"
    return f"{text} %"


def ratio(value: float | None, decimals: int = 2) -> str:
    if value is None or not math.isfinite(value):
        return DASH
    return f"{value:.{decimals}f}".replace("-", "\u2212")


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
