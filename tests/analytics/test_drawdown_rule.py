"""The drawdown rule at and around its limits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from perfdesk.analytics.rules.drawdown import drawdown_rule
from perfdesk.analytics.streaming import EquityStats
from perfdesk.domain.expectations import Expectations
from perfdesk.domain.status import Status
from perfdesk.domain.thresholds import DrawdownThresholds

TH = DrawdownThresholds(warning_ratio=0.8, critical_ratio=1.2)
EXP = Expectations(max_drawdown=0.10)


def _stats_with_drawdown(dd: float) -> EquityStats:
    stats = EquityStats()
    stats.update(1_000.0, 100.0)
    stats.update(2_000.0, 100.0 * (1.0 - dd))
    return stats


@pytest.mark.parametrize(
    ("dd", "status"),
    [
        (0.0, Status.OK),
        (0.0799, Status.OK),
        (0.08, Status.WARNING),
        (0.1199, Status.WARNING),
        (0.12, Status.CRITICAL),
        (0.5, Status.CRITICAL),
    ],
)
def test_status_at_boundaries(dd: float, status: Status) -> None:
    # 100 * (1 - 0.08) is inexact; the rule must still treat the boundary as inclusive
    stats = _stats_with_drawdown(dd)
    stats.max_drawdown = dd  # exact value, independent of float rounding of the equity
    result = drawdown_rule(stats, EXP, TH)
    assert result.status is status
    assert result.rule == "drawdown"
    assert result.value == dd


def test_evidence_says_value_limit_ratio_since() -> None:
    result = drawdown_rule(_stats_with_drawdown(0.15), EXP, TH)
    assert result.status is Status.CRITICAL
    ev = result.evidence
    assert ev["value"] == pytest.approx(0.15)
    assert ev["ratio"] == pytest.approx(1.5)
    assert ev["limit"] == pytest.approx(0.12)
    assert ev["since"] == 1_000.0
    assert result.since == datetime.fromtimestamp(1_000.0, UTC)


def test_ok_reports_the_warning_limit() -> None:
    result = drawdown_rule(_stats_with_drawdown(0.01), EXP, TH)
    assert result.status is Status.OK
    assert result.limit == pytest.approx(0.08)


def test_insufficient_without_expectation_or_samples() -> None:
    stats = _stats_with_drawdown(0.5)
    assert drawdown_rule(stats, None, TH).status is Status.INSUFFICIENT_DATA
    assert drawdown_rule(stats, Expectations(), TH).status is Status.INSUFFICIENT_DATA
    assert drawdown_rule(EquityStats(), EXP, TH).status is Status.INSUFFICIENT_DATA
