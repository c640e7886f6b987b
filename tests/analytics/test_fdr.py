"""Benjamini-Hochberg across strategies softens, never hardens, p-value verdicts."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from perfdesk.analytics.fdr import adjust_verdicts, benjamini_hochberg
from perfdesk.domain.status import Status
from perfdesk.domain.verdict import RuleResult, Verdict

NOW = datetime(2026, 1, 5, tzinfo=UTC)
P_RULES = frozenset({"sharpe"})


def test_bh_matches_scipy() -> None:
    stats = pytest.importorskip("scipy.stats")
    p = np.random.default_rng(0).uniform(0, 0.2, 40) ** 2
    np.testing.assert_allclose(benjamini_hochberg(p), stats.false_discovery_control(p))
    assert benjamini_hochberg([]).size == 0


def _verdict(sid: str, p: float) -> Verdict:
    status = Status.CRITICAL if p <= 0.001 else Status.WARNING if p <= 0.01 else Status.OK
    rule = RuleResult(
        rule="sharpe",
        status=status,
        message="m",
        evidence={"p_value": p, "warning_p": 0.01, "critical_p": 0.001},
    )
    other = RuleResult(rule="drawdown", status=Status.CRITICAL, message="dd")
    return Verdict(strategy_id=sid, ts=NOW, rules=(rule, other))


def test_a_lone_small_p_among_many_healthy_is_softened() -> None:
    verdicts = [_verdict("lucky", 0.004)] + [_verdict(f"s{i}", 0.3 + i / 200) for i in range(99)]
    adjusted = adjust_verdicts(verdicts, P_RULES, q=0.05)
    lucky = adjusted[0].rule("sharpe")
    assert lucky is not None and lucky.status is Status.OK
    assert lucky.evidence["p_adjusted"] == pytest.approx(0.4)
    assert "false-discovery" in lucky.message
    assert adjusted[0].rule("drawdown").status is Status.CRITICAL  # not a p-value rule


def test_many_small_p_values_survive() -> None:
    verdicts = [_verdict(f"s{i}", 1e-5) for i in range(10)]
    adjusted = adjust_verdicts(verdicts, P_RULES)
    assert all(v.rule("sharpe").status is Status.CRITICAL for v in adjusted)
