"""Verification table model: one row per strategy, one badge column per rule.

Rows are plain `VerificationRow` values keyed by strategy_id and updated in place.
The fixed columns are declared once in `BASE_COLUMNS`; a column per rule is appended
the first time a verdict mentions that rule (rules come from the validation engine).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from perfdesk.analytics.metrics import sample_size
from perfdesk.analytics.rules import registry
from perfdesk.domain.snapshot import StrategySnapshot
from perfdesk.domain.status import FeedState, Status, StrategyState
from perfdesk.domain.verdict import RuleResult, Verdict
from perfdesk.views.components.data_table import RIGHT, Column, RowTableModel
from perfdesk.views.components.status_badge import LABELS
from perfdesk.views.support import fmt
from perfdesk.views.verification.rule_text import RULE_TITLES, rule_title, tooltip

__all__ = ["RULE_TITLES", "VerificationModel", "VerificationRow", "rule_column", "rule_title"]


@dataclass(frozen=True, slots=True)
class VerificationRow:
    """What the table shows for one strategy (a plain value; equality = unchanged)."""

    strategy_id: str
    name: str
    status: Status
    state: StrategyState
    feed: FeedState
    drawdown: float
    sharpe: float | None
    pnl_today: float
    events: int
    checked_at: datetime | None
    rules: tuple[RuleResult, ...]
    sharpe_days: int = 0

    @classmethod
    def from_snapshot(cls, snap: StrategySnapshot) -> VerificationRow:
        verdict: Verdict | None = snap.verdict
        return cls(
            strategy_id=snap.strategy_id,
            name=snap.name or snap.strategy_id,
            status=verdict.status if verdict else Status.INSUFFICIENT_DATA,
            state=snap.state,
            feed=snap.feed,
            drawdown=snap.drawdown,
            sharpe=snap.sharpe,
            pnl_today=snap.pnl_today,
            events=snap.events,
            checked_at=verdict.ts if verdict else None,
            rules=verdict.rules if verdict else (),
            sharpe_days=snap.sharpe_days,
        )

    def rule(self, name: str) -> RuleResult | None:
        return next((r for r in self.rules if r.rule == name), None)

    def failing(self) -> str:
        bad = sorted(
            (r for r in self.rules if r.status.severity >= 2), key=lambda r: -r.status.severity
        )
        return ", ".join(rule_title(r.rule) for r in bad)


def _name_tip(row: VerificationRow) -> str:
    return row.name if row.name == row.strategy_id else f"{row.name} ({row.strategy_id})"


def _sharpe_text(row: VerificationRow) -> str:
    """The live Sharpe, or "5/20 d" below the minimum sample (the column is narrow)."""
    shown = sample_size.annualised(row.sharpe, row.sharpe_days)
    if isinstance(shown, sample_size.Insufficient):
        return f"{shown.have}/{shown.need} d"
    return fmt.ratio(row.sharpe)


def _sharpe_tip(row: VerificationRow) -> str:
    shown = sample_size.annualised(row.sharpe, row.sharpe_days)
    base = "Annualised Sharpe ratio of the finished live days"
    return f"{base}: {shown}" if isinstance(shown, sample_size.Insufficient) else base


def _failing_tip(row: VerificationRow) -> str:
    return row.failing() or "None"


COLUMN_TIPS = {
    "status": "The worst status of the strategy's rules",
    "pnl": "Today's profit and loss",
    "drawdown": "Current drawdown from the equity peak",
    "events": "Events received from the engine",
    "checked": "The time of the data the verdict judged (the engine's timestamps), in the "
    "zone set in Settings; hover a cell for its date and zone",
    "failing": "Rules at warning or critical, worst first",
}


def _column(
    key: str, title: str, value: Callable[[VerificationRow], Any], width: int, **kw: Any
) -> Column[VerificationRow]:
    return Column(key, title, value, width=width, tooltip=COLUMN_TIPS.get(key, ""), **kw)


# Widths fit all eleven rules of the validator in a 1440 px wide window without a horizontal
# scroll bar (tests/views/test_verification_view.py): each rule is a narrow column of round
# marks under a bottom-to-top title; the two-word titles wrap (the header is tall anyway);
# "Failing" takes what is left (elided, full text in the tooltip).
BASE_COLUMNS: tuple[Column[VerificationRow], ...] = (
    _column("name", "Strategy", lambda r: r.name, 118, extra={"tip": _name_tip}),
    _column("status", "Verdict", lambda r: r.status, 90, badge=True),
    # rule columns are inserted here (RULES_AT), one per rule, as rules appear
    _column(
        "pnl",
        "Today's\nP&L",
        lambda r: r.pnl_today,
        108,
        fmt=fmt.signed_money,
        align=RIGHT,
        pnl=True,
    ),
    _column("drawdown", "Current\nDD", lambda r: r.drawdown, 74, fmt=fmt.depth, align=RIGHT),
    _column(
        "sharpe",
        "Sharpe",
        lambda r: r.sharpe,
        72,  # "19/20 d" below the minimum sample
        display=_sharpe_text,
        align=RIGHT,
        extra={"tip": _sharpe_tip},
    ),
    _column("events", "Events", lambda r: r.events, 90, fmt=fmt.count, align=RIGHT),
    _column("state", "State", lambda r: r.state.value.capitalize(), 78),
    _column("feed", "Feed", lambda r: r.feed.value.capitalize(), 112),
    _column(
        "checked",
        "Checked",
        lambda r: r.checked_at,
        82,
        fmt=fmt.clock_time,
        extra={"tip": lambda r: f"Judged the data up to {fmt.local_time(r.checked_at)}"},
    ),
    _column("failing", "Failing", lambda r: r.failing(), 64, extra={"tip": _failing_tip}),
)
RULES_AT = 2
RULE_WIDTH = 28


def rule_column(rule: str) -> Column[VerificationRow]:
    """A badge column showing `rule`'s status; tooltip is its message."""

    def status(row: VerificationRow) -> Status | None:
        result = row.rule(rule)
        return result.status if result else None

    title = rule_title(rule)
    legend = "\u2713 OK, ! warning, \u2715 critical, \u2013 not enough data yet"

    def tip(row: VerificationRow) -> Any:
        result = row.rule(rule)
        if result is None:
            return f"{title}: not evaluated"
        return tooltip(result, LABELS[result.status])

    return Column(
        f"rule:{rule}",
        title,
        status,
        badge=True,
        width=RULE_WIDTH,
        tooltip=f"{title}: {registry.rule_explanation(rule) or 'a rule'} {legend}",
        extra={"tip": tip, "rule": rule, "compact": True, "vertical_title": True},
    )


class VerificationModel(RowTableModel[VerificationRow]):
    """Strategies x rules. `show_snapshots` is the only writer (GUI thread)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(BASE_COLUMNS, key=lambda r: r.strategy_id, parent=parent)
        self.rules: list[str] = []

    def show_snapshots(self, snaps: Mapping[str, StrategySnapshot]) -> None:
        rows = [VerificationRow.from_snapshot(s) for s in snaps.values()]
        self._add_rule_columns(r.rule for row in rows for r in row.rules)
        self.upsert(rows)
        self.remove([k for k in self.row_keys() if k not in snaps])

    def _add_rule_columns(self, names: Iterable[str]) -> None:
        for name in names:
            if name not in self.rules:
                self.insert_column(RULES_AT + len(self.rules), rule_column(name))
                self.rules.append(name)

    def row_for(self, strategy_id: str) -> VerificationRow | None:
        i = self.row_of(strategy_id)
        return None if i is None else self.row_at(i)
