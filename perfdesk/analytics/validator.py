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

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import NamedTuple

from perfdesk.analytics import fdr
from perfdesk.analytics.drift import DriftTracker
from perfdesk.analytics.rules import registry
from perfdesk.analytics.rules._common import NOT_APPLICABLE
from perfdesk.analytics.rules.subject import Subject
from perfdesk.analytics.streaming import EquityStats
from perfdesk.domain.expectations import Expectations
from perfdesk.domain.status import Status
from perfdesk.domain.thresholds import Thresholds
from perfdesk.domain.verdict import RuleResult, Verdict


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
    on_error: OnError | None = None,
) -> list[Verdict]:
    """Validate every strategy, then control the false discovery rate of the p-value
    rules across them (None turns the correction off). An `Item` with its own `now`
    (the strategy's event clock) is validated at that instant."""
    verdicts = [_judged(it, now, on_error) for it in map(_item, items)]
    if false_discovery_rate is None:
        return verdicts
    try:
        return fdr.adjust_verdicts(verdicts, registry.p_value_rules(), false_discovery_rate)
    except Exception as exc:  # noqa: BLE001 - the unadjusted verdicts are sound, less strict
        if on_error is not None:
            on_error("false-discovery adjustment", exc)
        return verdicts


JUDGE_FAILED = "judge_failed"
"""The rule of a strategy that could not be judged (its reason in the message)."""

OnError = Callable[[str, Exception], None]
"""Told (strategy id or step, error) when judging fails; the caller logs it."""


def judge_failed(strategy_id: str, now: datetime, reason: str) -> Verdict:
    """The verdict of a strategy whose rules raised: critical, saying why, so nobody
    mistakes silence for health; the other strategies are judged as usual."""
    result = RuleResult(
        rule=JUDGE_FAILED,
        status=Status.CRITICAL,
        message=f"perfdesk could not judge this strategy ({reason}); the others are judged",
        evidence={"error": reason},
    )
    return Verdict(strategy_id=strategy_id, ts=now, rules=(result,))


def _judged(it: Item, now: datetime, on_error: OnError | None) -> Verdict:
    """One strategy's verdict; a failure judging it marks it, never the others."""
    at = it.now or now
    try:
        return validate(it.strategy_id, it.stats, it.expectations, it.thresholds, at)
    except Exception as exc:  # noqa: BLE001 - marked, told to the caller, never fatal
        if on_error is not None:
            on_error(it.strategy_id, exc)
        return judge_failed(it.strategy_id, at, f"{type(exc).__name__}: {exc}")


def _item(raw: tuple[str, EquityStats, Expectations | None, Thresholds] | Item) -> Item:
    return raw if isinstance(raw, Item) else Item(*raw)
