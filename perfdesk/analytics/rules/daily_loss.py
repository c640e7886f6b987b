"""Daily loss rule: today's loss against a hard limit and against the fitted model.

Today's return is measured from the previous UTC day's close to the latest sample. With
a backtest profile, the loss is standardised by the model's volatility forecast for
today (z = (r − mu)/√h) and judged by its probability under the unit-variance Student-t:
a loss as improbable as `warning_prob` per day warns, `critical_prob` is critical. The
absolute limits (fractions of the day's open equity), when set, apply on their own.
"""

from __future__ import annotations

import math

from perfdesk.analytics.drift import DriftTracker
from perfdesk.analytics.rules._common import (
    SECONDS_PER_DAY,
    graded,
    insufficient,
    not_applicable,
    result,
    to_datetime,
)
from perfdesk.analytics.stat_tests import t_cdf_unit
from perfdesk.analytics.streaming import EquityStats
from perfdesk.domain.status import Status
from perfdesk.domain.thresholds import DailyLossThresholds
from perfdesk.domain.verdict import RuleResult

NAME = "daily_loss"


def daily_loss_rule(
    stats: EquityStats, tracker: DriftTracker | None, th: DailyLossThresholds
) -> RuleResult:
    today = stats.daily.pending()
    has_limit = th.warning_loss is not None or th.critical_loss is not None
    if tracker is None and not has_limit:
        return not_applicable(NAME, "no daily loss limit and no backtest model", "fraction")
    if today is None:
        return insufficient(NAME, "no previous close yet", "fraction")
    loss = -today
    by_limit = graded(loss, th.warning_loss or math.inf, th.critical_loss or math.inf)
    prob = _probability(today, tracker)
    by_model = _grade_prob(prob, th) if prob is not None else Status.OK
    status = Status.worst([by_limit, by_model])
    return _result(stats, status, loss, prob, th)


def _probability(today: float, tracker: DriftTracker | None) -> float | None:
    if tracker is None:
        return None
    z = (today - tracker.garch.mu) / tracker.sigma_today
    return t_cdf_unit(z, tracker.garch.nu)


def _grade_prob(prob: float, th: DailyLossThresholds) -> Status:
    if prob <= th.critical_prob:
        return Status.CRITICAL
    return Status.WARNING if prob <= th.warning_prob else Status.OK


def _result(
    stats: EquityStats, status: Status, loss: float, prob: float | None, th: DailyLossThresholds
) -> RuleResult:
    limit = th.critical_loss if status is Status.CRITICAL else th.warning_loss
    prob_txt = "" if prob is None else f", probability {prob:.2g} under the backtest model"
    day = stats.daily.day
    return result(
        rule=NAME,
        status=status,
        value=loss,
        limit=limit,
        unit="fraction",
        message=f"today's loss {loss:.2%}{prob_txt}",
        since=to_datetime(day * SECONDS_PER_DAY) if status.severity >= 2 and day else None,
        evidence={
            "value": loss,
            "limit": limit,
            "p_value": prob,
            "warning_loss": th.warning_loss,
            "critical_loss": th.critical_loss,
            "warning_prob": th.warning_prob,
            "critical_prob": th.critical_prob,
        },
    )
