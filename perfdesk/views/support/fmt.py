"""Number and time formatting for the views (one place, so every screen agrees).

Times are shown in one display zone, with its name: the computer's own ("local", the
default), UTC, or a named IANA zone, chosen in Settings › Appearance (`set_display_zone`).
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from perfdesk.domain.time_zones import zone_for
from perfdesk.figures import (  # re-exported: the views' one formatting module
    DASH,
    MINUS,
    count,
    depth,
    fixed,
    money,
    number,
    percent,
    pnl_kind,
    ratio,
    signed_money,
)

__all__ = [
    "DASH",
    "MINUS",
    "count",
    "depth",
    "fixed",
    "money",
    "number",
    "percent",
    "pnl_kind",
    "ratio",
    "signed_money",
]

_display_zone: tzinfo | None = None  # None: the computer's local zone


def set_display_zone(name: str) -> None:
    """Show every time in zone `name` from now on (see `zone_for`)."""
    global _display_zone  # noqa: PLW0603 - one display preference, like the theme
    _display_zone = zone_for(name)


def in_display_zone(ts: datetime) -> datetime:
    return ts.astimezone(_display_zone) if _display_zone is not None else ts.astimezone()


def _zone_name(ts: datetime) -> str:
    return ts.tzname() or "UTC"


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
