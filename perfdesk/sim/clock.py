"""Simulated market time: trading seconds mapped to UTC wall-calendar timestamps.

The simulator advances a counter of *trading* seconds. A trading day is 86,400 s and
there are five of them per calendar week (weekends are skipped), so daily returns
resampled by calendar date have 252 periods a year, as the expectations assume.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

DAY_S = 86_400.0
TRADING_DAYS_PER_YEAR = 252
EPOCH = datetime(2026, 1, 5, tzinfo=UTC)
"""A Monday, 00:00 UTC: trading second 0."""


def recent_epoch(now: datetime, days_back: int = 60) -> datetime:
    """The Monday 00:00 UTC on or before `now - days_back` days: a demo's data looks current."""
    day = (now - timedelta(days=days_back)).astimezone(UTC)
    monday = day - timedelta(days=day.weekday())
    return monday.replace(hour=0, minute=0, second=0, microsecond=0)


def calendar_time(trading_s: float, epoch: datetime = EPOCH) -> datetime:
    """The UTC timestamp of a trading second (weekends skipped)."""
    day, within = divmod(trading_s, DAY_S)
    week, weekday = divmod(int(day), 5)
    return epoch + timedelta(days=week * 7 + weekday, seconds=within)


def rfc3339(ts: datetime) -> str:
    """`2026-01-05T00:02:24.000000Z` — the protocol's timestamp form (UTC)."""
    return ts.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def trading_seconds(ts: datetime, epoch: datetime = EPOCH) -> float:
    """The last trading second whose calendar time is at or before `ts` (the inverse of
    `calendar_time` on weekdays; on a weekend, just before the Monday after it: markets
    are closed, no sample may carry a weekend time)."""
    week, rest = divmod((ts - epoch).total_seconds(), 7 * DAY_S)
    day, within = divmod(rest, DAY_S)
    if day >= 5:
        return (week * 5 + 5) * DAY_S - 1e-6
    return (week * 5 + day) * DAY_S + within


def trading_day(trading_s: float) -> int:
    """Index of the trading day a trading second falls in."""
    return int(trading_s // DAY_S)
