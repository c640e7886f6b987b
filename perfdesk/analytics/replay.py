"""Replay a daily return series through the live validator, day by day.

Used by `perfdesk analyze --replay`, the threshold backtest and the validation benchmark:
each day's close becomes one equity sample at 20:00 UTC, and the verdict is taken right
after it (so "today's loss" is the whole day's return, and drift rules see every day
finished before it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from perfdesk.analytics.streaming import EquityStats
from perfdesk.analytics.validator import validate
from perfdesk.domain.expectations import Expectations
from perfdesk.domain.status import Status
from perfdesk.domain.thresholds import Thresholds
from perfdesk.domain.verdict import Verdict

CLOSE_OFFSET_S = 20 * 3600.0
START_EQUITY = 1_000_000.0


@dataclass(frozen=True, slots=True)
class Transition:
    """A change of a strategy's status on `ts`, with the rules whose status changed."""

    ts: datetime
    status: Status
    previous: Status
    changed: tuple[tuple[str, Status, Status], ...]  # (rule, old, new)


def _day_ts(dates: npt.NDArray[np.datetime64] | None, i: int) -> float:
    if dates is None:
        return (20_000 + i) * 86_400.0 + CLOSE_OFFSET_S  # an arbitrary run of days
    day = int(dates[i].astype("datetime64[D]").astype(np.int64))
    return day * 86_400.0 + CLOSE_OFFSET_S


def replay(
    returns: npt.ArrayLike,
    expectations: Expectations | None,
    thresholds: Thresholds | None = None,
    dates: npt.ArrayLike | None = None,
) -> list[Verdict]:
    """One verdict per day of `returns` (simple daily returns, in time order)."""
    r = np.asarray(returns, dtype=np.float64)
    d = None if dates is None else np.asarray(dates, dtype="datetime64[D]")
    th = thresholds or Thresholds()
    stats = EquityStats()
    equity = START_EQUITY
    if r.size:
        stats.update(_day_ts(d, 0) - 86_400.0, equity)  # the close before the first day
    verdicts = []
    for i, ret in enumerate(r):
        equity *= 1.0 + float(ret)
        ts = _day_ts(d, i)
        stats.update(ts, equity)
        verdicts.append(
            validate("replay", stats, expectations, th, datetime.fromtimestamp(ts, UTC))
        )
    return verdicts


def transitions(verdicts: list[Verdict]) -> list[Transition]:
    """Every day on which the overall status changed (the first day counts from OK)."""
    out: list[Transition] = []
    prev_status = Status.OK
    prev_rules: dict[str, Status] = {}
    for v in verdicts:
        rules = {r.rule: r.status for r in v.rules}
        if v.status is not prev_status:
            changed = tuple(
                (name, prev_rules.get(name, Status.OK), st)
                for name, st in rules.items()
                if prev_rules.get(name, Status.OK) is not st
            )
            out.append(Transition(v.ts, v.status, prev_status, changed))
        prev_status, prev_rules = v.status, rules
    return out
