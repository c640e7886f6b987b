"""The validator runs the rules and a stale feed is a warning of its own."""

from __future__ import annotations

from datetime import UTC, datetime

from perfdesk.analytics.streaming import EquityStats
from perfdesk.analytics.validator import validate
from perfdesk.domain.expectations import Expectations
from perfdesk.domain.status import Status
from perfdesk.domain.thresholds import Thresholds

T0 = 1_750_000_000.0


def _stats(*points: tuple[float, float]) -> EquityStats:
    stats = EquityStats()
    for ts, eq in points:
        stats.update(ts, eq)
    return stats


def _at(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def test_fresh_healthy_strategy_is_ok() -> None:
    stats = _stats((T0, 100.0), (T0 + 1, 101.0))
    verdict = validate("s1", stats, Expectations(max_drawdown=0.1), Thresholds(), _at(T0 + 2))
    assert verdict.status is Status.OK
    assert {r.rule for r in verdict.rules} >= {"drawdown", "stale"}


def test_stale_feed_warns_without_touching_performance() -> None:
    stats = _stats((T0, 100.0), (T0 + 1, 101.0))
    th = Thresholds(stale_after_s=10)
    verdict = validate("s1", stats, Expectations(max_drawdown=0.1), th, _at(T0 + 11))
    stale = verdict.rule("stale")
    assert stale is not None and stale.status is Status.WARNING
    assert "stale" in stale.message
    dd = verdict.rule("drawdown")
    assert dd is not None and dd.status is Status.OK
    assert verdict.status is Status.WARNING


def test_breaking_strategy_goes_critical() -> None:
    stats = _stats((T0, 100.0), (T0 + 1, 70.0))
    verdict = validate("s1", stats, Expectations(max_drawdown=0.1), Thresholds(), _at(T0 + 2))
    assert verdict.status is Status.CRITICAL
