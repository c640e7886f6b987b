"""Assemble a Report from its parts (pure; the service gathers the parts from the DB).

The headline verdict is the validator's verdict on the period's last day, obtained by
replaying the period's daily returns through the live rules (the same replay the
history view uses), so a report is reproducible from stored data alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import numpy as np

from perfdesk.analytics.history_types import FloatArray
from perfdesk.analytics.replay import replay
from perfdesk.domain.alerts import Alert, AlertHistoryEntry
from perfdesk.domain.expectations import Expectations
from perfdesk.domain.thresholds import Thresholds
from perfdesk.domain.verdict import Verdict
from perfdesk.reports.model import AlertEntry, AlertStep, ThresholdChange

REPLAY_SOURCE = (
    "rules replayed over the period's daily returns; the fill-based rules (win rate,"
    " slippage, trade frequency) and the stale-feed rule are judged live only"
)
LIVE_ONLY_RULES = frozenset({"win_rate", "slippage", "trade_frequency", "stale"})


def period_verdict(
    day: FloatArray,
    returns: FloatArray,
    expectations: Expectations | None,
    thresholds: Thresholds | None,
) -> Verdict | None:
    """The verdict at the end of the period (None when there is no daily return).

    A daily replay sees no fills and no feed, so the rules that need them are left out
    rather than reported as breaches (see REPLAY_SOURCE)."""
    if returns.size == 0:
        return None
    dates = (np.asarray(day) // 86_400).astype("int64").astype("datetime64[D]")
    last = replay(returns, expectations, thresholds, dates)[-1]
    rules = tuple(r for r in last.rules if r.rule not in LIVE_ONLY_RULES)
    return last.model_copy(update={"rules": rules})


def settings_diff(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> tuple[str, ...]:
    """Leaf-by-leaf differences "group.field: old -> new" (all leaves when `old` is None)."""
    before, after = _flatten(old or {}), _flatten(new)
    keys = sorted(set(before) | set(after))
    if old is None:
        return tuple(f"{k}: {after[k]}" for k in keys if k in after)
    return tuple(
        f"{k}: {before.get(k, '–')} -> {after.get(k, '–')}"
        for k in keys
        if before.get(k) != after.get(k)
    )


def _flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, val in tree.items():
        name = f"{prefix}{key}"
        if isinstance(val, Mapping):
            out |= _flatten(val, f"{name}.")
        else:
            out[name] = val
    return out


def threshold_change(
    at: datetime,
    scope: str,
    version: int,
    *,
    action: str,
    actor: str,
    comment: str | None,
    old: Mapping[str, Any] | None,
    new: Mapping[str, Any],
) -> ThresholdChange:
    return ThresholdChange(at, scope, version, action, actor, comment, settings_diff(old, new))


def alert_entry(alert: Alert, history: Sequence[AlertHistoryEntry]) -> AlertEntry:
    """An alert with its history rows (already limited to the period by the caller)."""
    steps = tuple(
        AlertStep(h.ts, h.change.value if h.change else h.state.value, h.severity,
                  h.actor, h.comment)
        for h in history
    )  # fmt: skip
    return AlertEntry(
        strategy_id=alert.strategy_id,
        rule=alert.rule,
        severity=alert.severity,
        state=alert.state.value,
        message=alert.message,
        started_at=alert.started_at,
        acked_by=alert.acked_by,
        acked_at=alert.acked_at,
        ack_comment=alert.ack_comment,
        steps=steps,
    )


def overlaps(alert: Alert, start: datetime, end: datetime) -> bool:
    """Was the alert open at some time in [start, end)? (Resolved alerts end at updated_at.)"""
    ended = alert.updated_at if alert.state.value == "resolved" else None
    return alert.started_at < end and (ended is None or ended >= start)


def in_period(
    entries: Iterable[AlertHistoryEntry], start: datetime, end: datetime
) -> list[AlertHistoryEntry]:
    return [e for e in entries if start <= e.ts < end]
