"""How a trader reads a rule's result: its title, its value and limits with units spelled
out, one sign convention, its statistic, and a plain sentence saying what it means.

`rule_title` is the one place rule titles are read (the analytics rule registry will own
them; switching is one line there). Nothing here shows a raw rule id or snake_case.
"""

from __future__ import annotations

import math
import re
from typing import Any

from perfdesk.analytics.rules import titles
from perfdesk.domain.verdict import RuleResult
from perfdesk.views.support import fmt

RULE_TITLES = titles.titles()
"""Title by rule id: the registry's, plus perfdesk's own health rules (alerts/titles.py)."""
rule_title = titles.rule_title
"""The title a trader reads for rule id `rule` ("page_hinkley" -> "Page–Hinkley")."""


UNIT_WORDS = {"sd": "std devs", "llr": "log-odds", "bps": "bp", "fills": "fills", "s": "s"}
"""A rule's unit as shown after a number (the rules' own short codes never appear)."""


def _plain_number(value: float, unit: str, *, signed: bool = False) -> str:
    if unit == "fraction":
        return fmt.percent(value, 2, signed=signed)
    if unit == "ks":
        return f"{value:.3f}"
    if unit == "fills":
        return f"{value:,.0f} fills" if value == round(value) else f"{value:,.1f} fills"
    if unit == "s":
        return f"{value:,.0f} s"
    text = fmt.number(value)
    word = UNIT_WORDS.get(unit, "")
    return f"{text} {word}".strip()


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def shown_value(r: RuleResult) -> float | None:
    """The value in the sign convention of the screen: Daily loss shows today's return
    (a loss is negative, as in its evidence text); everything else as the rule gives it."""
    if r.value is None or not _finite(r.value):
        return r.value
    return -r.value if r.rule == "daily_loss" else r.value


def value_text(r: RuleResult) -> str:
    value = shown_value(r)
    if value is None or not _finite(value):
        return fmt.DASH
    return _plain_number(value, r.unit, signed=r.rule == "daily_loss")


def limit_text(r: RuleResult) -> str:
    """Both limits, "warning … · critical …", in the value's unit and sign."""
    ev = r.evidence
    if _finite(ev.get("warning_limit")) and _finite(ev.get("critical_limit")):
        warn, crit = ev["warning_limit"], ev["critical_limit"]
        return f"{_plain_number(warn, r.unit)} · {_plain_number(crit, r.unit)}"
    if _finite(ev.get("warning_loss")) and _finite(ev.get("critical_loss")):
        warn, crit = -ev["warning_loss"], -ev["critical_loss"]  # as returns, like the value
        return f"{fmt.percent(warn, 2, signed=True)} · {fmt.percent(crit, 2, signed=True)}"
    if _finite(ev.get("warning_prob")) and _finite(ev.get("critical_prob")):
        # judged by the backtest model: how rare a day this bad is
        return f"P(day) ≤ {ev['warning_prob']:g} · ≤ {ev['critical_prob']:g}"
    if _finite(ev.get("warning_p")) and _finite(ev.get("critical_p")):
        return f"p ≤ {ev['warning_p']:g} · ≤ {ev['critical_p']:g}"
    if _finite(ev.get("limit_s")):
        return f"after {ev['limit_s']:,.0f} s"
    if r.limit is not None and _finite(r.limit):
        return _plain_number(r.limit, r.unit)
    return fmt.DASH


LIMIT_TIP = (
    "Warning limit · critical limit, in the value's unit. For the tests "
    "(Sharpe, Distribution, Win rate, Trade frequency) the limits are on the p-value: "
    "the chance of a result this far off if nothing had changed; for Daily loss judged "
    "by the backtest model, on the chance of a day this bad."
)

STATISTIC_LABELS = (
    ("psr", "PSR", ""),
    ("min_trl_days", "MinTRL", " days"),
    ("p_value", "p", ""),
    ("z", "z", ""),
    ("cusum", "CUSUM", ""),
    ("ph", "Page–Hinkley", ""),
)


def statistic_text(r: RuleResult) -> str:
    """The rule's test statistics in words: "PSR 0.031 · MinTRL 120 days"."""
    ev = r.evidence
    parts = []
    for key, label, unit in STATISTIC_LABELS:
        value = ev.get(key)
        if key == "p_value" and "psr" in ev:
            continue  # the same number as the PSR
        if _finite(value):
            number = f"{value:,.0f}" if unit == " days" else f"{value:.3g}"
            parts.append(f"{label} {number}{unit}")
    if not parts and _finite(ev.get("max")):
        parts.append(f"highest {fmt.number(ev['max'])}")  # a drift statistic's peak
    return " · ".join(parts) or fmt.DASH


_IDS = sorted((k for k in RULE_TITLES if "_" in k or k in ("cusum", "psr")), key=len, reverse=True)
_RULE_IDS = re.compile(r"\b(" + "|".join(_IDS) + r")\b")
"""Rule ids that are not plain words ("drawdown" in "max drawdown" stays a word)."""
_SNAKE = re.compile(r"\b([a-z]+(?:_[a-z]+)+)\b")


def plain(text: str) -> str:
    """A rule's message in a trader's words: rule ids become titles ("page_hinkley 55.24
    (warn 38.44, …)" -> "Page–Hinkley 55.24 (warning 38.44, …)"), no snake_case."""
    text = _RULE_IDS.sub(lambda m: rule_title(m.group(1)), text)
    text = _SNAKE.sub(lambda m: m.group(1).replace("_", " "), text)
    text = re.sub(r"\bwarn\b", "warning", text)
    text = re.sub(r"(?<![\w.])-(?=\d)", fmt.MINUS, text)  # the minus of the value column
    return text[:1].upper() + text[1:]


def _pct(p: Any) -> str:
    """A probability as a percentage a trader reads: 62%, 3.1%, 0.02%."""
    if p >= 0.1:
        return f"{p:.0%}"
    if p >= 0.001:
        return f"{p:.1%}"
    return f"{p * 100:.1g}%"


def explain(r: RuleResult) -> str:
    """One plain sentence (or two) saying what this rule's number means for this strategy."""
    ev = r.evidence
    maker = _EXPLAINERS.get(r.rule)
    text = maker(r, ev) if maker is not None else ""
    return text or plain(r.message)


def _sharpe(r: RuleResult, ev: dict[str, Any]) -> str:
    psr, trl, n = ev.get("psr"), ev.get("min_trl_days"), ev.get("n_days")
    if not (_finite(psr) and _finite(r.limit)):
        return ""
    text = (
        f"PSR: how likely the strategy still has its backtest Sharpe of {r.limit:.2f}, "
        f"given its live record: {_pct(psr)}"
    )
    if _finite(ev.get("warning_p")):
        text += f" (warning below {_pct(ev['warning_p'])}, critical below {_pct(ev['critical_p'])})"
    text += "."
    if _finite(trl) and _finite(n):
        text += (
            f" MinTRL: live days needed before a Sharpe this far below the backtest can be "
            f"told from bad luck: {trl:,.0f} (it has {n:,.0f})."
        )
    return text


def _drift(r: RuleResult, ev: dict[str, Any]) -> str:
    warn, crit = ev.get("warning_limit"), ev.get("critical_limit")
    if not (_finite(r.value) and _finite(warn) and _finite(crit)):
        return ""
    fa_w, fa_c = ev.get("warning_false_alarm"), ev.get("critical_false_alarm")
    odds = ""
    if _finite(fa_w) and _finite(fa_c):
        odds = (
            f"; a strategy still like its backtest passes {warn:.2f} in only {_pct(fa_w)} "
            f"of cases and {crit:.2f} in {_pct(fa_c)}"
        )
    assert r.value is not None
    if r.rule == "cusum":
        what = (
            "CUSUM adds up, day by day, the evidence that the strategy's returns have "
            "shifted below the backtest's (in log-odds)"
        )
    elif r.rule == "regime_cusum":
        what = (
            "The regime CUSUM adds up the evidence for a lasting rise in volatility with "
            "lower returns, which the model's own volatility estimate would soon absorb "
            "(in log-odds)"
        )
    else:
        what = (
            "Page–Hinkley measures how far the strategy's cumulative returns have fallen "
            "below their best run, in standard deviations of a backtest day"
        )
    return f"{what}: {r.value:.2f} now{odds}."


def _distribution(r: RuleResult, ev: dict[str, Any]) -> str:
    p, n = ev.get("p_value"), ev.get("n_days")
    if not (_finite(r.value) and _finite(p)):
        return ""
    assert r.value is not None
    days = f" over {n:,.0f} live days" if _finite(n) else ""
    return (
        f"KS distance: the largest gap between the live and the backtest distributions of "
        f"daily returns (0 = the same shape, 1 = nothing alike): {r.value:.3f}{days}. "
        f"The chance of a gap this large if nothing had changed: {_pct(p)}."
    )


_EXPLAINERS = {
    "sharpe": _sharpe,
    "psr": _sharpe,
    "cusum": _drift,
    "page_hinkley": _drift,
    "regime_cusum": _drift,
    "distribution": _distribution,
}


def tooltip(r: RuleResult, status_label: str) -> str:
    """The rule's tooltip: title, status, what the number means, and its evidence text."""
    head = f"{rule_title(r.rule)} — {status_label}"
    meaning = explain(r)
    message = plain(r.message)
    return f"{head}: {message}" if meaning == message else f"{head}: {message}\n{meaning}"
