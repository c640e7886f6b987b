"""False-alarm control across many strategies: Benjamini-Hochberg on the p-value rules.

With 100 healthy strategies and a 1 % test, one false warning a day is expected; BH keeps
the expected share of false discoveries among the flagged strategies at `q`. Each
p-value rule's warning and critical levels are re-applied to the BH-adjusted p-value
(q-value) instead of the raw one, so the correction can only soften a status; the raw
and adjusted p-values both stay in the evidence.
"""

from __future__ import annotations

import math
from collections.abc import Collection

import numpy as np
import numpy.typing as npt

from perfdesk.domain.status import Status
from perfdesk.domain.verdict import RuleResult, Verdict


def benjamini_hochberg(p_values: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """BH-adjusted p-values (q-values), monotone, capped at 1, in the input order."""
    p = np.asarray(p_values, dtype=np.float64)
    n = p.size
    if n == 0:
        return p.copy()
    order = np.argsort(p)
    scaled = p[order] * n / np.arange(1, n + 1)
    adjusted = np.minimum.accumulate(scaled[::-1])[::-1]
    out = np.empty(n)
    out[order] = np.minimum(adjusted, 1.0)
    return out


def adjust_verdicts(
    verdicts: list[Verdict], p_value_rules: Collection[str], q: float = 0.05
) -> list[Verdict]:
    """Re-grade the p-value rules of all verdicts on BH-adjusted p-values, per rule
    (`p_value_rules`: the registry's rules with a `p_value` in their evidence).

    Only flagged results (warning or critical) are rewritten; the others are unchanged.
    """
    found: dict[str, list[tuple[int, int, float]]] = {}
    for i, v in enumerate(verdicts):
        for j, r in enumerate(v.rules):
            if r.rule in p_value_rules and (p := _p(r)) is not None:
                found.setdefault(r.rule, []).append((i, j, p))
    rules = [list(v.rules) for v in verdicts]
    touched: set[int] = set()
    for where in found.values():
        if len(where) < 2:
            continue
        adjusted = benjamini_hochberg([p for _i, _j, p in where])
        for (i, j, _raw), p_adj in zip(where, adjusted, strict=True):
            if rules[i][j].status.severity >= Status.WARNING.severity:
                rules[i][j] = _regrade(rules[i][j], float(p_adj), q)
                touched.add(i)
    return [
        v.model_copy(update={"rules": tuple(rules[i])}) if i in touched else v
        for i, v in enumerate(verdicts)
    ]


def _p(rule: RuleResult) -> float | None:
    p = rule.evidence.get("p_value")
    return float(p) if isinstance(p, int | float) and not math.isnan(p) else None


def _regrade(rule: RuleResult, p_adj: float, q: float) -> RuleResult:
    evidence = {**rule.evidence, "p_adjusted": p_adj, "fdr_q": q}
    if rule.status.severity < Status.WARNING.severity:
        return rule.model_copy(update={"evidence": evidence})
    warn = float(rule.evidence.get("warning_p", q))
    crit = float(rule.evidence.get("critical_p", q / 10))
    status = Status.CRITICAL if p_adj <= crit else Status.WARNING if p_adj <= warn else Status.OK
    status = min(status, rule.status, key=lambda s: s.severity)
    message = (
        rule.message
        if status is rule.status
        else f"{rule.message}; not significant "
        f"after false-discovery control across strategies (q-value {p_adj:.3g})"
    )
    return rule.model_copy(update={"evidence": evidence, "status": status, "message": message})
