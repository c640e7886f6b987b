"""Threshold replay over history: when a (draft) rule set would have fired.

Walks the daily returns through the validator with the analytics engineer's replay
(`perfdesk.analytics.replay`), then turns the day-by-day verdicts into alerts as the
alert manager would count them: one alert per rule each time it rises from below
warning to warning or critical (an escalation is the same alert).

The replay sees daily closes only, no individual fills, so the fill-based rules (trade
frequency, slippage, trade win rate) are left out: their expectations are dropped for
the replay instead of letting "0 fills" raise false alarms.
"""

from __future__ import annotations

import numpy as np

from perfdesk.analytics.history_returns import daily_returns
from perfdesk.analytics.history_types import (
    FiredAlert,
    FloatArray,
    HistoryInput,
    ReplaySummary,
    ThresholdTest,
)
from perfdesk.analytics.replay import replay
from perfdesk.domain.expectations import Expectations
from perfdesk.domain.status import Status
from perfdesk.domain.thresholds import Thresholds
from perfdesk.domain.verdict import Verdict

_FIRING = Status.WARNING.severity


def replay_history(
    day: FloatArray,
    returns: FloatArray,
    expectations: Expectations | None,
    thresholds: Thresholds | None = None,
) -> ReplaySummary:
    """Replay `returns` (one per UTC day, `day` = POSIX s of each day's start)."""
    dates = (np.asarray(day) // 86_400).astype("int64").astype("datetime64[D]")
    verdicts = replay(returns, without_fill_rules(expectations), thresholds, dates)
    fired = tuple(_fired(verdicts))
    return ReplaySummary(
        day=np.asarray(day, dtype=np.float64),
        status=tuple(v.status for v in verdicts),
        fired=fired,
        per_month=per_month(fired),
    )


FILL_FIELDS = ("trades_per_day", "slippage_bps", "win_rate")


def without_fill_rules(expectations: Expectations | None) -> Expectations | None:
    """The expectations minus what only fill-by-fill data can check."""
    if expectations is None:
        return None
    return expectations.model_copy(update=dict.fromkeys(FILL_FIELDS))


def _fired(verdicts: list[Verdict]) -> list[FiredAlert]:
    previous: dict[str, int] = {}
    out: list[FiredAlert] = []
    for v in verdicts:
        for rule in v.rules:
            level = rule.status.severity
            if level >= _FIRING > previous.get(rule.rule, 0):
                out.append(FiredAlert(v.ts.timestamp(), rule.rule, rule.status, rule.message))
            previous[rule.rule] = level
    return out


def per_month(fired: tuple[FiredAlert, ...]) -> dict[str, dict[str, int]]:
    """{"YYYY-MM": {"warning": n, "critical": m}} in month order, months with alerts only."""
    out: dict[str, dict[str, int]] = {}
    for alert in fired:
        month = str(np.datetime64(int(alert.ts), "s").astype("datetime64[M]"))
        counts = out.setdefault(month, {"warning": 0, "critical": 0})
        counts[alert.severity.value] = counts.get(alert.severity.value, 0) + 1
    return dict(sorted(out.items()))


def replay_threshold_sets(
    data: HistoryInput, threshold_sets: list[Thresholds | None]
) -> ThresholdTest:
    """Replay each threshold set over the same history (daily returns from its bars)."""
    r = daily_returns(data.daily)
    days = data.daily.day[: r.size]
    summaries = tuple(replay_history(days, r, data.expectations, th) for th in threshold_sets)
    month_keys = (days // 86_400).astype("int64").astype("datetime64[D]").astype("datetime64[M]")
    return ThresholdTest(
        strategy_id=data.strategy_id,
        name=data.name,
        t=data.t,
        equity=data.equity,
        months=tuple(str(m) for m in np.unique(month_keys)),
        summaries=summaries,
    )
