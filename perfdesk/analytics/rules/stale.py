"""Stale-feed rule: no data for too long. About the link, not the strategy's performance."""

from __future__ import annotations

from datetime import datetime

from perfdesk.analytics.rules._common import result, to_datetime
from perfdesk.analytics.streaming import EquityStats
from perfdesk.domain.status import Status
from perfdesk.domain.verdict import RuleResult

NAME = "stale"


def stale_rule(stats: EquityStats, stale_after_s: float, now: datetime) -> RuleResult:
    """WARNING "stale feed" when the last sample is `stale_after_s` or more before `now`.

    `value` is the age of the last sample in seconds; `limit` is `stale_after_s`.
    """
    if stats.n_samples == 0:
        return result(rule=NAME, status=Status.INSUFFICIENT_DATA, message="no data yet", unit="s")
    age = max(0.0, now.timestamp() - stats.last_ts)
    stale = age >= stale_after_s
    return result(
        rule=NAME,
        status=Status.WARNING if stale else Status.OK,
        message=f"stale feed: no data for {age:.0f} s" if stale else "feed fresh",
        value=age,
        limit=stale_after_s,
        unit="s",
        since=to_datetime(stats.last_ts) if stale else None,
        evidence={"age_s": age, "limit_s": stale_after_s, "last_ts": stats.last_ts},
    )
