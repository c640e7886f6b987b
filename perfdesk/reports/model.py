"""The report model: everything a validation report says, independent of its format.

Built once (by `assemble.build_report`, from a HistoryAnalysis per strategy, the
verdict, the alerts and the threshold audit trail of the period) and rendered to
HTML, CSV or PDF. Datetimes are timezone-aware UTC; fractions, not percentages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from perfdesk.analytics.history_types import HistoryAnalysis
from perfdesk.domain.status import Status
from perfdesk.domain.verdict import Verdict


@dataclass(frozen=True)
class AlertStep:
    """One entry of an alert's history in the period (fired, acked, resolved, ...)."""

    ts: datetime
    change: str
    severity: Status
    actor: str | None = None
    comment: str | None = None


@dataclass(frozen=True)
class AlertEntry:
    """An alert active at some point in the period, with its acks and comments."""

    strategy_id: str
    rule: str
    severity: Status
    state: str
    message: str
    started_at: datetime
    acked_by: str | None = None
    acked_at: datetime | None = None
    ack_comment: str | None = None
    steps: tuple[AlertStep, ...] = ()


@dataclass(frozen=True)
class ThresholdChange:
    """One audited threshold save in the period; `changes` reads "group.field: old -> new"."""

    at: datetime
    scope: str  # a strategy id, or "*" for the global defaults
    version: int
    action: str
    actor: str
    comment: str | None
    changes: tuple[str, ...]


@dataclass(frozen=True)
class StrategyReport:
    """One strategy's part of the report."""

    analysis: HistoryAnalysis
    verdict: Verdict | None
    verdict_source: str
    alerts: tuple[AlertEntry, ...] = ()
    threshold_changes: tuple[ThresholdChange, ...] = ()

    @property
    def strategy_id(self) -> str:
        return self.analysis.strategy_id

    @property
    def status(self) -> Status:
        return self.verdict.status if self.verdict else Status.INSUFFICIENT_DATA


@dataclass(frozen=True)
class Report:
    """A validation report for one strategy or a desk of them, over [start, end)."""

    title: str
    start: datetime
    end: datetime
    generated_at: datetime
    strategies: tuple[StrategyReport, ...]
    global_threshold_changes: tuple[ThresholdChange, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def is_desk(self) -> bool:
        return len(self.strategies) > 1

    @property
    def status(self) -> Status:
        return Status.worst([s.status for s in self.strategies])
