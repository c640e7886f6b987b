"""Daily loss rule: today's loss against a hard limit and against the fitted model.

Today's return is measured from the previous UTC day's close to the latest sample. With
a backtest profile it is standardised by the model's volatility forecast for today
(z = (r − mu)/√h) and judged by its probability under the unit-variance Student-t (its
degrees of freedom capped at `TAIL_NU`: see there); a
loss as improbable as `warning_prob` per day warns, `critical_prob` is critical.
When `grade_unconditional` is set, the probability under the simulated healthy daily
returns (the profile's `loss_tail`: clustering and parameter uncertainty included) also
counts — it catches an outsized loss in an already volatile spell, but on the labelled
scenarios it cost more false alarms than it caught crashes, so by default it is only
reported in the evidence (`p_unconditional`). The
absolute limits (fractions of the day's open equity), when set, apply on their own.
"""

from __future__ import annotations

import math

from perfdesk.analytics.drift import DriftTracker
from perfdesk.analytics.rules._common import (
    SECONDS_PER_DAY,
    graded,
    insufficient,
    interp,
    not_applicable,
    result,
    to_datetime,
)
from perfdesk.analytics.stat_tests import t_cdf_unit
from perfdesk.analytics.streaming import EquityStats
from perfdesk.domain.expectations import Quantiles
from perfdesk.domain.status import Status
from perfdesk.domain.thresholds import DailyLossThresholds
from perfdesk.domain.verdict import RuleResult

NAME = "daily_loss"


def daily_loss_rule(
    stats: EquityStats,
    tracker: DriftTracker | None,
    th: DailyLossThresholds,
    loss_tail: Quantiles | None = None,
    *,
    grade_unconditional: bool = False,
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
    p_uncond = None if loss_tail is None else tail_probability(today, loss_tail)
    if grade_unconditional and prob is not None and p_uncond is not None:
        prob = min(prob, p_uncond)
    by_model = _grade_prob(prob, th) if prob is not None else Status.OK
    status = Status.worst([by_limit, by_model])
    res = _result(stats, status, loss, prob, th)
    res.evidence["p_unconditional"] = p_uncond
    return res


TAIL_NU = 4.0
"""The tail probability uses the fitted t's degrees of freedom capped at this (heavier
tails, never lighter than fitted). A backtest of a few years pins ν down poorly, and an
overestimated ν makes an ordinary bad day of a healthy strategy look impossibly rare:
on the calibration scenarios the cap caught 82 % of the crashes within 5 days at a 6 %
healthy false-warning rate, against 65 % with the fitted ν (docs/validation.md)."""


def _probability(today: float, tracker: DriftTracker | None) -> float | None:
    if tracker is None:
        return None
    z = (today - tracker.garch.mu) / tracker.sigma_today
    return t_cdf_unit(z, min(tracker.garch.nu, TAIL_NU))


def tail_probability(ret: float, tail: Quantiles) -> float:
    """P(a healthy day returns ≤ ret), log-interpolated in the tail table (1 above it)."""
    if ret <= tail.values[0]:
        return tail.probs[0]
    if ret >= tail.values[-1]:
        return 1.0
    return math.exp(interp(ret, tail.values, [math.log(p) for p in tail.probs]))


def _grade_prob(prob: float, th: DailyLossThresholds) -> Status:
    if prob <= th.critical_prob:
        return Status.CRITICAL
    return Status.WARNING if prob <= th.warning_prob else Status.OK


def _result(
    stats: EquityStats, status: Status, loss: float, prob: float | None, th: DailyLossThresholds
) -> RuleResult:
    limit = th.critical_loss if status is Status.CRITICAL else th.warning_loss
    prob_txt = "" if prob is None else f", P(a day this bad) = {prob:.2g} under the backtest model"
    day = stats.daily.day
    return result(
        rule=NAME,
        status=status,
        value=loss,
        limit=limit,
        unit="fraction",
        message=f"today's return {-loss:+.2%}{prob_txt}",
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
