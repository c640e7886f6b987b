"""The validator: live analytics state + expectations + thresholds → a Verdict.

Synchronous and cheap (≈0.1 ms a strategy); the caller (LiveMonitor) decides when to
run it (≥ once a second). It runs every rule of the registry
(`perfdesk.analytics.rules.registry.RULES`), in order; a strategy's status is its worst
rule (`Verdict.status`). The only state it touches is the strategy's own
`EquityStats.drift` tracker, which it creates from the backtest profile and feeds with
the days finished since the last call. Across strategies, `validate_many` adds
Benjamini-Hochberg control of the p-value rules — the one cross-strategy path (the live
monitor, the benchmark and the replay all come here).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from perfdesk.analytics import fdr
from perfdesk.analytics.drift import DriftTracker
from perfdesk.analytics.rules import registry
from perfdesk.analytics.rules._common import NOT_APPLICABLE
from perfdesk.analytics.rules.subject import Subject
from perfdesk.analytics.streaming import EquityStats
from perfdesk.domain.expectations import Expectations
from perfdesk.domain.thresholds import Thresholds
from perfdesk.domain.verdict import Verdict


class Item(NamedTuple):
    """One strategy to validate; `now` (aware UTC) defaults to the cycle's `now`."""

    strategy_id: str
    stats: EquityStats
    expectations: Expectations | None
    thresholds: Thresholds
    now: datetime | None = None


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
    """Run every registered rule for one strategy at `now` (an aware UTC datetime)."""
    subject = Subject(
        strategy_id, stats, expectations, thresholds, now, tracker_for(stats, expectations)
    )
    results = (spec.run(subject) for spec in registry.RULES)
    applicable = tuple(r for r in results if r.evidence.get(NOT_APPLICABLE, True))
    return Verdict(strategy_id=strategy_id, ts=now, rules=applicable)


def validate_many(
    items: Iterable[tuple[str, EquityStats, Expectations | None, Thresholds]] | Iterable[Item],
    now: datetime,
    false_discovery_rate: float | None = 0.05,
) -> list[Verdict]:
    """Validate every strategy, then control the false discovery rate of the p-value
    rules across them (None turns the correction off). An `Item` with its own `now`
    (the strategy's event clock) is validated at that instant."""
    verdicts = [
        validate(it.strategy_id, it.stats, it.expectations, it.thresholds, it.now or now)
        for it in map(_item, items)
    ]
    if false_discovery_rate is None:
        return verdicts
    return fdr.adjust_verdicts(verdicts, registry.p_value_rules(), false_discovery_rate)


def _item(raw: tuple[str, EquityStats, Expectations | None, Thresholds] | Item) -> Item:
    return raw if isinstance(raw, Item) else Item(*raw)
