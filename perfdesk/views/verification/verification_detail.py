"""Verification detail pane: each rule's evidence for one strategy, and its verdict history."""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QTabWidget, QVBoxLayout, QWidget

from perfdesk.analytics.rules import registry
from perfdesk.domain.status import Status
from perfdesk.domain.verdict import RuleResult
from perfdesk.views.components.data_table import RIGHT, Column, DataTable, RowTableModel
from perfdesk.views.components.status_badge import LABELS, StatusBadge
from perfdesk.views.support import fmt, style
from perfdesk.views.verification.rule_text import (
    LIMIT_TIP,
    limit_text,
    plain,
    rule_title,
    shown_value,
    tooltip,
    value_text,
)
from perfdesk.views.verification.verdict_history import HistoryEntry, VerdictHistory
from perfdesk.views.verification.verification_model import VerificationRow

FALLBACK_STATISTICS = tuple(
    registry.Statistic(k, k) for k in ("statistic", "p_value", "z", "psr", "min_trl_days")
)
"""What an unregistered rule (e.g. from an older server) shows."""


def _number(value: Any, unit: str = "") -> str:
    if unit == "fraction" and isinstance(value, float) and math.isfinite(value):
        return fmt.percent(value, 2)
    if isinstance(value, float) and math.isfinite(value):
        text = fmt.number(value)
    elif value is None:
        return fmt.DASH
    else:
        text = str(value)
    return f"{text}%" if unit == "%" else f"{text} {unit}".strip()


def statistic_of(result: RuleResult) -> str:
    """The statistics the rule declares in the registry, from its evidence, as
    "label = value"."""
    declared = registry.rule_statistics(result.rule) or FALLBACK_STATISTICS
    ev = result.evidence
    parts = [f"{s.label} = {_number(ev[s.key], s.unit)}" for s in declared if s.key in ev]
    return ", ".join(parts) or fmt.DASH


def _explained(r: RuleResult) -> str:
    return tooltip(r, LABELS[r.status])


EVIDENCE_COLUMNS: tuple[Column[RuleResult], ...] = (
    Column("rule", "Rule", lambda r: rule_title(r.rule), width=132, extra={"tip": _explained}),
    Column("status", "Status", lambda r: r.status, badge=True, width=92),
    Column(
        "value",
        "Value",
        shown_value,
        align=RIGHT,
        width=130,
        display=value_text,
        extra={"tip": _explained},
    ),
    Column(
        "limit",
        "Limits (warning · critical)",
        lambda r: r.limit,
        align=RIGHT,
        width=230,
        display=limit_text,
        tooltip=LIMIT_TIP,
        extra={"tip": lambda r: f"{LIMIT_TIP}\n{rule_title(r.rule)}: {limit_text(r)}"},
    ),
    Column("statistic", "Statistic", statistic_of, width=180, extra={"tip": _explained}),
    Column(
        "since",
        "Since",
        lambda r: r.since,
        fmt=fmt.local_time,
        width=200,
        tooltip="When the current condition began, in the data's own time (the engine's "
        "timestamps), shown in the display zone set in Settings",
    ),
    Column("message", "Evidence", lambda r: plain(r.message), extra={"tip": _explained}),
)
HISTORY_COLUMNS: tuple[Column[HistoryEntry], ...] = (
    Column("ts", "When", lambda e: e.ts, fmt=fmt.local_time, width=200),
    Column("status", "Verdict", lambda e: e.status, badge=True, width=100),
    Column("summary", "Rules", lambda e: e.summary),
)


def _history_key(entry: HistoryEntry) -> str:
    return f"{entry.ts.isoformat()}|{entry.status.value}|{entry.summary}"


class VerificationDetail(QWidget):
    """Shows one VerificationRow: header, evidence table, verdict history table."""

    def __init__(self, history: VerdictHistory, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._history = history
        self.strategy_id: str | None = None
        theme = style.current_theme()
        box = QVBoxLayout(self)
        box.setContentsMargins(0, theme.px("spacing.semantic.md"), 0, 0)
        box.setSpacing(theme.px("spacing.semantic.sm"))
        header = QHBoxLayout()
        self.title = QLabel("Select a strategy to see the evidence")
        self.title.setProperty("kind", "title")
        self.badge = StatusBadge(Status.INSUFFICIENT_DATA)
        self.badge.hide()
        header.addWidget(self.title)
        header.addWidget(self.badge)
        header.addStretch(1)
        box.addLayout(header)
        self.evidence = RowTableModel(EVIDENCE_COLUMNS, key=lambda r: r.rule)
        self.evidence_table = DataTable(self.evidence)
        self.evidence_table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
        self.history_model = RowTableModel(HISTORY_COLUMNS, key=_history_key)
        self.history_table = DataTable(self.history_model)
        self.evidence_table.set_empty_text("Select a strategy above to see each rule's evidence.")
        self.history_table.set_empty_text(
            "No verdict changes for the selected strategy in this session yet."
        )
        self.history_table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        # Evidence and history share the pane as tabs: all ten rules fit without scrolling.
        self.tabs = QTabWidget()
        self.tabs.addTab(self.evidence_table, "Rule evidence")
        self.tabs.addTab(self.history_table, "Verdict history (this session)")
        box.addWidget(self.tabs, 1)

    def show_row(self, row: VerificationRow | None) -> None:
        """Show `row` (None clears). Evidence rows update in place by rule name."""
        if row is None:
            self.strategy_id = None
            self.title.setText("Select a strategy to see the evidence")
            self.badge.hide()
            self.evidence.remove(self.evidence.row_keys())
            self.history_model.remove(self.history_model.row_keys())
            return
        if row.strategy_id != self.strategy_id:
            self.evidence.remove(self.evidence.row_keys())
            self.history_model.remove(self.history_model.row_keys())
            self.strategy_id = row.strategy_id
        self.title.setText(row.name)
        self.badge.set_status(row.status)
        self.badge.show()
        self.evidence.upsert(row.rules)
        self.evidence.remove([k for k in self.evidence.row_keys() if row.rule(k) is None])
        self.history_model.upsert(self._history.entries(row.strategy_id))
