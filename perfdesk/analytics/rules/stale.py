"""Stale-feed rule: no data for too long. About the link, not the strategy's performance."""

from __future__ import annotations

from datetime import datetime

from perfdesk.analytics.rules._common import result, to_datetime
from perfdesk.analytics.rules.trades import elapsed_days
from perfdesk.analytics.streaming import EquityStats
from perfdesk.domain.status import Status
from perfdesk.domain.verdict import RuleResult

NAME = "stale"
DAY_S = 86_400.0


def stale_rule(
    stats: EquityStats, stale_after_s: float, now: datetime, *, weekdays_only: bool = False
) -> RuleResult:
    """WARNING "stale feed" when the last sample is `stale_after_s` or more before `now`.

    `value` is the age of the last sample in seconds; `limit` is `stale_after_s`. With
    `weekdays_only` (a strategy that trades Monday to Friday: periods_per_year below
    365, as for trade frequency) Saturdays and Sundays (UTC) do not age the feed, so a
    quiet weekend is not a stale feed.
    """
    if stats.n_samples == 0:
        return result(rule=NAME, status=Status.INSUFFICIENT_DATA, message="no data yet", unit="s")
    age = elapsed_days(stats.last_ts, now.timestamp(), weekdays_only=weekdays_only) * DAY_S
    stale = age >= stale_after_s
    clock = " of trading time" if weekdays_only else ""
    return result(
        rule=NAME,
        status=Status.WARNING if stale else Status.OK,
        message=f"stale feed: no data for {age:.0f} s{clock}" if stale else "feed fresh",
        value=age,
        limit=stale_after_s,
        unit="s",
        since=to_datetime(stats.last_ts) if stale else None,
        evidence={
            "age_s": age,
            "limit_s": stale_after_s,
            "last_ts": stats.last_ts,
            "weekdays_only": weekdays_only,
        },
    )
