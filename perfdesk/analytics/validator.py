"""The validator: live analytics state + expectations + thresholds → a Verdict.

Synchronous and cheap (≈0.1 ms a strategy); the caller (LiveMonitor) decides when to
run it (≥ once a second). A strategy's status is its worst rule (`Verdict.status`).
The only state it touches is the strategy's own `EquityStats.drift` tracker, which it
creates from the backtest profile and feeds with the days finished since the last call.
Across strategies, `validate_many` adds Benjamini-Hochberg control of the p-value rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from perfdesk.analytics import fdr
from perfdesk.analytics.drift import DriftTracker
from perfdesk.analytics.rules._common import NOT_APPLICABLE
from perfdesk.analytics.rules.daily_loss import daily_loss_rule
from perfdesk.analytics.rules.distribution import distribution_rule
from perfdesk.analytics.rules.drawdown import drawdown_rule
from perfdesk.analytics.rules.drift import cusum_rule, page_hinkley_rule
from perfdesk.analytics.rules.sharpe import sharpe_rule
from perfdesk.analytics.rules.stale import stale_rule
from perfdesk.analytics.rules.trades import slippage_rule, trade_frequency_rule, win_rate_rule
from perfdesk.analytics.streaming import EquityStats
from perfdesk.domain.expectations import Expectations, Quantiles
from perfdesk.domain.thresholds import Thresholds
from perfdesk.domain.verdict import RuleResult, Verdict


def tracker_for(stats: EquityStats, expectations: Expectations | None) -> DriftTracker | None:
    """The strategy's drift tracker, (re)built when its profile changed, caught up."""
    profile = expectations.profile if expectations else None
    if profile is None or profile.garch is None:
        stats.drift = None
        return None
    if stats.drift is None or stats.drift.garch is not profile.garch:
        stats.drift = DriftTracker.from_profile(profile)
    if stats.drift is not None:
        stats.drift.catch_up(stats.daily.values)
    return stats.drift


def validate(
    strategy_id: str,
    stats: EquityStats,
    expectations: Expectations | None,
    thresholds: Thresholds,
    now: datetime,
) -> Verdict:
    """Run every rule for one strategy at `now` (an aware UTC datetime)."""
    tracker = tracker_for(stats, expectations)
    th = thresholds
    rules: list[RuleResult] = [
        drawdown_rule(stats, expectations, th.drawdown),
        sharpe_rule(stats, expectations, th.sharpe),
        distribution_rule(stats, tracker, th.distribution),
        cusum_rule(stats, expectations, tracker, th.cusum),
        page_hinkley_rule(stats, expectations, tracker, th.page_hinkley),
        daily_loss_rule(stats, tracker, th.daily_loss, _loss_tail(expectations)),
        win_rate_rule(stats, expectations, th.win_rate),
        slippage_rule(stats, expectations, th.slippage),
        trade_frequency_rule(stats, expectations, th.trade_frequency),
        stale_rule(stats, th.stale_after_s, now, weekdays_only=_weekdays_only(expectations)),
    ]
    applicable = tuple(r for r in rules if r.evidence.get(NOT_APPLICABLE, True))
    return Verdict(strategy_id=strategy_id, ts=now, rules=applicable)


def _weekdays_only(expectations: Expectations | None) -> bool:
    """A strategy declared with fewer than 365 periods a year trades Monday to Friday."""
    return expectations is not None and expectations.periods_per_year < 365


def _loss_tail(expectations: Expectations | None) -> Quantiles | None:
    prof = expectations.profile if expectations else None
    return prof.drift.loss_tail if prof and prof.drift else None


def validate_many(
    items: Iterable[tuple[str, EquityStats, Expectations | None, Thresholds]],
    now: datetime,
    false_discovery_rate: float | None = 0.05,
) -> list[Verdict]:
    """Validate every strategy, then control the false discovery rate of the p-value
    rules across them (None turns the correction off)."""
    verdicts = [validate(sid, st, exp, th, now) for sid, st, exp, th in items]
    if false_discovery_rate is None:
        return verdicts
    return fdr.adjust_verdicts(verdicts, false_discovery_rate)
