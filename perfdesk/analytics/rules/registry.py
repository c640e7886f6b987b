"""The rule registry: every validation rule, declared once.

A rule declares its id, the title a trader reads, a one-sentence explanation (tooltips),
the `Thresholds` field it reads, the statistics it reports in its evidence, and its
function. The validator runs `RULES` in order; the false-discovery control, the
verification columns, the detail pane and the sample data read the same entries.
Adding a rule is one new file in this package plus one `RuleSpec` below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from perfdesk.analytics.rules import (
    daily_loss,
    distribution,
    drawdown,
    drift,
    sharpe_decay,
    stale,
)
from perfdesk.analytics.rules import trades as tr
from perfdesk.analytics.rules.subject import Subject
from perfdesk.domain.thresholds import Thresholds
from perfdesk.domain.verdict import RuleResult


@dataclass(frozen=True, slots=True)
class Statistic:
    """One number a rule reports in its evidence: `key` in `RuleResult.evidence`."""

    key: str
    label: str
    unit: str = ""


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """One rule. `check(subject, thresholds.<thresholds>)` gives its RuleResult;
    `p_value` rules are re-graded across strategies by Benjamini-Hochberg."""

    id: str
    title: str
    explanation: str
    thresholds: str
    statistics: tuple[Statistic, ...]
    check: Callable[[Subject, Any], RuleResult]
    p_value: bool = False

    def run(self, subject: Subject) -> RuleResult:
        return self.check(subject, getattr(subject.thresholds, self.thresholds))


P = Statistic("p_value", "p")

RULES: tuple[RuleSpec, ...] = (
    RuleSpec(
        drawdown.NAME,
        "Drawdown",
        "Is the deepest live drawdown deeper than a healthy strategy of this age suffers?",
        "drawdown",
        (Statistic("current_drawdown", "current", "fraction"),),
        lambda s, th: drawdown.drawdown_rule(s.stats, s.expectations, th),
    ),
    RuleSpec(
        sharpe_decay.NAME,
        "Sharpe decay",
        "Has the live Sharpe ratio fallen below the backtest's, beyond the backtest's own "
        "estimation error?",
        "sharpe",
        (
            P,
            Statistic("window_days", "window", "days"),
            Statistic("more_days_for_edge", "edge in", "days"),
        ),
        sharpe_decay.check,
        p_value=True,
    ),
    RuleSpec(
        distribution.NAME,
        "Distribution",
        "Do live daily returns still look drawn from the backtest's distribution (KS test)?",
        "distribution",
        (Statistic("statistic", "D"), P),
        lambda s, th: distribution.distribution_rule(s.stats, s.tracker, th),
        p_value=True,
    ),
    RuleSpec(
        drift.CUSUM,
        drift.TITLES[drift.CUSUM],
        "Has the evidence for a fall in returns or a rise in volatility piled up (CUSUM)?",
        "cusum",
        (Statistic("statistic", "S", "llr"), Statistic("max", "max", "llr")),
        lambda s, th: drift.cusum_rule(s.stats, s.expectations, s.tracker, th),
    ),
    RuleSpec(
        drift.REGIME_CUSUM,
        drift.TITLES[drift.REGIME_CUSUM],
        "Has a lasting rise in volatility, with a fall in returns, piled up — one the "
        "model's own volatility filter would absorb within weeks (CUSUM with its own filter)?",
        "regime_cusum",
        (Statistic("statistic", "S", "llr"), Statistic("max", "max", "llr")),
        lambda s, th: drift.regime_cusum_rule(s.stats, s.expectations, s.tracker, th),
    ),
    RuleSpec(
        drift.PAGE_HINKLEY,
        drift.TITLES[drift.PAGE_HINKLEY],
        "Has the mean return fallen below its own live average since go-live (Page-Hinkley)?",
        "page_hinkley",
        (Statistic("statistic", "PH", "sd"), Statistic("max", "max", "sd")),
        lambda s, th: drift.page_hinkley_rule(s.stats, s.expectations, s.tracker, th),
    ),
    RuleSpec(
        daily_loss.NAME,
        "Daily loss",
        "Is today's loss beyond the limit, or too improbable for the backtest's model?",
        "daily_loss",
        (Statistic("p_value", "P(a day this bad)"),),
        lambda s, th: daily_loss.daily_loss_rule(s.stats, s.tracker, th, _loss_tail(s)),
    ),
    RuleSpec(
        tr.WIN_RATE,
        "Win rate",
        "Are there fewer winning trades than the expected win rate allows (binomial test)?",
        "win_rate",
        (P, Statistic("wins", "wins"), Statistic("trades", "trades")),
        lambda s, th: tr.win_rate_rule(s.stats, s.expectations, th),
        p_value=True,
    ),
    RuleSpec(
        tr.SLIPPAGE,
        "Slippage",
        "Do fills cost more than the expected slippage?",
        "slippage",
        (Statistic("n_fills", "fills"), Statistic("std_bps", "sd", "bps")),
        lambda s, th: tr.slippage_rule(s.stats, s.expectations, th),
    ),
    RuleSpec(
        tr.TRADE_FREQUENCY,
        "Trade freq.",
        "Does the strategy trade as often as expected (Poisson test of the fill count)?",
        "trade_frequency",
        (P, Statistic("expected", "expected", "fills")),
        lambda s, th: tr.trade_frequency_rule(s.stats, s.expectations, th),
        p_value=True,
    ),
    RuleSpec(
        stale.NAME,
        "Stale feed",
        "Has the engine sent no data for too long? (About the link, not performance.)",
        "stale_after_s",
        (Statistic("age_s", "age", "s"),),
        lambda s, th: stale.stale_rule(s.stats, th, s.now, weekdays_only=s.weekdays_only),
    ),
)

ALIASES = {"psr": sharpe_decay.NAME, "sharpe": sharpe_decay.NAME, "stale_feed": stale.NAME}
"""Rule ids older verdicts and alerts may carry, and the rule they now mean (the PSR
rule `sharpe` gave way to `sharpe_decay`, which reads the same thresholds)."""


def _loss_tail(s: Subject) -> Any:
    prof = s.expectations.profile if s.expectations else None
    return prof.drift.loss_tail if prof and prof.drift else None


_BY_ID = {spec.id: spec for spec in RULES}
_BY_FIELD = {spec.thresholds: spec for spec in RULES}


def spec(rule_id: str) -> RuleSpec | None:
    """The registered rule `rule_id` (or an old alias of one), None if unknown."""
    return _BY_ID.get(ALIASES.get(rule_id, rule_id))


def rule_ids() -> tuple[str, ...]:
    """Every rule id, in the validator's order."""
    return tuple(_BY_ID)


def rule_title(rule_id: str) -> str:
    """The title a trader reads ("Drawdown"); an unknown id reads as words."""
    found = spec(rule_id) or _BY_FIELD.get(rule_id)
    return found.title if found else rule_id.replace("_", " ").capitalize()


def rule_explanation(rule_id: str) -> str:
    """One plain sentence on what the rule asks (empty for an unknown id)."""
    found = spec(rule_id) or _BY_FIELD.get(rule_id)
    return found.explanation if found else ""


def rule_statistics(rule_id: str) -> tuple[Statistic, ...]:
    found = spec(rule_id)
    return found.statistics if found else ()


def titles() -> dict[str, str]:
    """Title by rule id, by old alias and by `Thresholds` field (the thresholds form)."""
    out = {spec.thresholds: spec.title for spec in RULES}
    out |= {alias: rule_title(alias) for alias in ALIASES}
    return out | {spec.id: spec.title for spec in RULES}


def p_value_rules() -> frozenset[str]:
    """Rules whose `p_value` evidence the false-discovery control re-grades."""
    return frozenset(spec.id for spec in RULES if spec.p_value)


def threshold_model(rule_id: str) -> Any:
    """The type of the `Thresholds` field the rule reads (a group model or float)."""
    found = spec(rule_id)
    return None if found is None else Thresholds.model_fields[found.thresholds].annotation
