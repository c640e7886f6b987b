"""A rule's result in a trader's words: titles not ids, units spelled out, warning and
critical limits, one sign convention, and a plain sentence for each statistic."""

from __future__ import annotations

import re

from perfdesk.domain.status import Status
from perfdesk.domain.verdict import RuleResult
from perfdesk.views.verification import rule_text as rt

SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")

# Shaped exactly as analytics/rules build them (message, unit, evidence keys).
PAGE_HINKLEY = RuleResult(
    rule="page_hinkley", status=Status.CRITICAL, value=55.24, limit=42.49, unit="sd",
    message="page_hinkley 55.24 (warn 38.44, critical 42.49) over 12 days",
    evidence={"value": 55.24, "limit": 42.49, "statistic": 55.24, "max": 60.1,
              "warning_limit": 38.44, "critical_limit": 42.49, "n_days": 12, "since_day": 3,
              "warning_false_alarm": 0.005, "critical_false_alarm": 0.002},
)  # fmt: skip
CUSUM = RuleResult(
    rule="cusum", status=Status.WARNING, value=6.1, limit=7.2, unit="llr",
    message="cusum 6.10 (warn 5.00, critical 7.20) over 30 days",
    evidence={"value": 6.1, "limit": 7.2, "statistic": 6.1, "warning_limit": 5.0,
              "critical_limit": 7.2, "n_days": 30, "warning_false_alarm": 0.08,
              "critical_false_alarm": 0.008},
)  # fmt: skip
GAIN_DAY = RuleResult(
    rule="daily_loss", status=Status.OK, value=-0.0041, limit=0.02, unit="fraction",
    message="today's return +0.41%, P(a day this bad) = 0.62 under the backtest model",
    evidence={"value": -0.0041, "limit": 0.02, "p_value": 0.62, "warning_loss": 0.02,
              "critical_loss": 0.04, "warning_prob": 0.01, "critical_prob": 0.001},
)  # fmt: skip
SHARPE = RuleResult(
    rule="sharpe", status=Status.WARNING, value=0.4, limit=1.85, unit="sharpe",
    message="live Sharpe 0.40 vs backtest 1.85 (p=0.031)",
    evidence={"value": 0.4, "limit": 1.85, "p_value": 0.031, "psr": 0.031,
              "min_trl_days": 120.4, "n_days": 45, "skew": -0.1, "kurtosis": 3.2,
              "warning_p": 0.05, "critical_p": 0.01},
)  # fmt: skip
KS = RuleResult(
    rule="distribution", status=Status.OK, value=0.21, unit="ks",
    message="KS distance 0.210 to the backtest (p=0.0213, 45 days)",
    evidence={"value": 0.21, "statistic": 0.21, "p_value": 0.0213, "n_days": 45,
              "n_backtest": 750, "warning_p": 0.01, "critical_p": 0.001},
)  # fmt: skip
ALL = (PAGE_HINKLEY, CUSUM, GAIN_DAY, SHARPE, KS)


def test_titles_replace_rule_ids_in_the_evidence_text() -> None:
    assert rt.plain(PAGE_HINKLEY.message) == (
        "Page–Hinkley 55.24 (warning 38.44, critical 42.49) over 12 days"
    )
    assert rt.rule_title("page_hinkley") == "Page–Hinkley"
    loss_day = "today's return -0.42%, P(a day this bad) = 0.21"
    assert rt.plain(loss_day).startswith("Today's return \u22120.42%")  # as the value shows it
    assert rt.rule_title("some_new_rule") == "Some new rule"  # never snake_case


def test_value_and_limits_share_units_and_one_sign() -> None:
    assert rt.value_text(PAGE_HINKLEY) == "55.24 std devs"
    assert rt.limit_text(PAGE_HINKLEY) == "38.44 std devs · 42.49 std devs"
    assert rt.limit_text(CUSUM) == "5 log-odds · 7.2 log-odds"
    # Daily loss: the value is today's return, as its evidence says (a gain is positive).
    assert rt.value_text(GAIN_DAY) == "+0.41%" and "+0.41%" in rt.plain(GAIN_DAY.message)
    assert rt.limit_text(GAIN_DAY) == "\u22122.00% · \u22124.00%"
    assert rt.limit_text(SHARPE) == "p ≤ 0.05 · ≤ 0.01"  # not the backtest Sharpe
    assert rt.statistic_text(SHARPE) == "PSR 0.031 · MinTRL 120 days"
    assert rt.statistic_text(PAGE_HINKLEY) == "highest 60.1"
    judged = GAIN_DAY.model_copy(update={"evidence": {
        "value": -0.0041, "limit": None, "p_value": 0.62, "warning_loss": None,
        "critical_loss": None, "warning_prob": 0.001, "critical_prob": 1e-06}})  # fmt: skip
    assert rt.limit_text(judged) == "P(day) ≤ 0.001 · ≤ 1e-06"


def test_each_statistic_has_one_plain_sentence_about_this_strategy() -> None:
    assert rt.explain(SHARPE).startswith("PSR: how likely the strategy still has its backtest")
    assert "3.1%" in rt.explain(SHARPE) and "MinTRL" in rt.explain(SHARPE)
    strict = SHARPE.model_copy(update={"evidence": {**SHARPE.evidence, "warning_p": 0.0002}})
    assert "warning below 0.02%" in rt.explain(strict)
    assert "120 (it has 45)" in rt.explain(SHARPE)
    assert rt.explain(CUSUM).startswith("CUSUM adds up")
    assert "6.10 now" in rt.explain(CUSUM) and "8.0%" in rt.explain(CUSUM)
    assert rt.explain(PAGE_HINKLEY).startswith("Page–Hinkley measures")
    assert rt.explain(KS).startswith("KS distance: the largest gap") and "2.1%" in rt.explain(KS)


def test_no_raw_id_or_snake_case_reaches_a_trader() -> None:
    for r in ALL:
        for text in (rt.tooltip(r, "Warning"), rt.plain(r.message), rt.value_text(r),
                     rt.limit_text(r), rt.statistic_text(r)):  # fmt: skip
            assert not SNAKE.search(text), text
            assert " sd" not in text and " llr" not in text, text
