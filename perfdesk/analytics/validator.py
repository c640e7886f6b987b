"""The validator: live analytics state + expectations + thresholds → a Verdict.

Pure and synchronous; the caller (LiveMonitor) decides when to run it (≥ once a second).
A strategy's status is its worst rule (`Verdict.status`).
"""

from __future__ import annotations

from datetime import datetime

from perfdesk.analytics.rules.drawdown import drawdown_rule
from perfdesk.analytics.rules.stale import stale_rule
from perfdesk.analytics.streaming import EquityStats
from perfdesk.domain.expectations import Expectations
from perfdesk.domain.thresholds import Thresholds
from perfdesk.domain.verdict import RuleResult, Verdict


def validate(
    strategy_id: str,
    stats: EquityStats,
    expectations: Expectations | None,
    thresholds: Thresholds,
    now: datetime,
) -> Verdict:
    """Run every rule that applies to this strategy at `now` (an aware UTC datetime)."""
    rules: list[RuleResult] = [
        drawdown_rule(stats, expectations, thresholds.drawdown),
        stale_rule(stats, thresholds.stale_after_s, now),
    ]
    return Verdict(strategy_id=strategy_id, ts=now, rules=tuple(rules))
