"""Live-vs-backtest analysis as one plain, JSON-ready dict (used by `perfdesk analyze`,
reports and the history view). Pure: the caller reads the files."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from perfdesk.analytics import metrics
from perfdesk.analytics.backtest_import import DailySeries
from perfdesk.analytics.profile import expectations_from_backtest
from perfdesk.analytics.replay import replay, transitions
from perfdesk.domain.expectations import Expectations
from perfdesk.domain.thresholds import Thresholds
from perfdesk.domain.verdict import RuleResult


def analyze(
    backtest: DailySeries,
    live: DailySeries,
    thresholds: Thresholds | None = None,
    *,
    with_transitions: bool = False,
    seed: int = 0,
) -> dict[str, Any]:
    """Metrics of both series, the rules and verdict at the end of `live`, and (optionally)
    every status change while walking `live` day by day. Non-finite numbers become None."""
    expectations = expectations_from_backtest(backtest.returns, backtest.dates, seed=seed)
    verdicts = replay(live.returns, expectations, thresholds, live.dates)
    last = verdicts[-1] if verdicts else None
    out: dict[str, Any] = {
        "status": last.status.value if last else "insufficient_data",
        "ts": last.ts.isoformat() if last else None,
        "rules": [rule_json(r) for r in last.rules] if last else [],
        "metrics": {
            "live": metrics.full_report(live.returns, live.dates),
            "expected": metrics.full_report(backtest.returns, backtest.dates),
        },
        "expectations": _expectations_json(expectations),
    }
    if with_transitions:
        out["transitions"] = [
            {
                "ts": t.ts.isoformat(),
                "status": t.status.value,
                "previous": t.previous.value,
                "rules": [{"rule": n, "from": a.value, "to": b.value} for n, a, b in t.changed],
            }
            for t in transitions(verdicts)
        ]
    result: dict[str, Any] = finite(out)
    return result


def rule_json(rule: RuleResult) -> dict[str, Any]:
    return {
        "name": rule.rule,
        "status": rule.status.value,
        "value": rule.value,
        "limit": rule.limit,
        "unit": rule.unit,
        "message": rule.message,
        "since": rule.since.isoformat() if rule.since else None,
        "evidence": rule.evidence,
    }


def _expectations_json(exp: Expectations) -> dict[str, Any]:
    data = exp.model_dump(exclude={"profile"})
    prof = exp.profile
    if prof is not None:
        data["profile"] = prof.model_dump(
            include={
                "n_days",
                "sharpe",
                "skew",
                "kurtosis",
                "win_rate_days",
                "return_percentiles",
                "drawdown_depth_percentiles",
                "drawdown_duration_percentiles",
                "garch",
            }
        )
    return data


def finite(value: Any) -> Any:
    """Recursively replace NaN/±inf by None and numpy scalars by Python ones (for JSON)."""
    if isinstance(value, dict):
        return {str(k): finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
