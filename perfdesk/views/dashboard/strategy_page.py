"""One strategy in depth, reached by clicking its dashboard card: key figures, the live
equity chart, each rule's status with its evidence, and its alerts.

Signals: back_requested(), verification_requested(str strategy_id),
alerts_requested(). Built from the dashboard's and the other screens' own parts (DataCard,
PerformanceChart, the verification evidence columns, the alert log model); it repaints
only when the strategy's snapshot version or its alerts changed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from perfdesk.domain.alerts import Alert
from perfdesk.domain.snapshot import StrategySnapshot
from perfdesk.domain.status import Status
from perfdesk.domain.verdict import RuleResult
from perfdesk.views.alerts.alert_log_model import AlertLogModel
from perfdesk.views.components.button import Button
from perfdesk.views.components.data_card import DataCard
from perfdesk.views.components.data_table import DataTable, RowTableModel
from perfdesk.views.components.performance_chart import PerformanceChart
from perfdesk.views.components.scroll_column import ScrollColumn
from perfdesk.views.components.status_badge import StatusBadge
from perfdesk.views.support import fmt, style
from perfdesk.views.verification.verification_detail import EVIDENCE_COLUMNS

FIGURES = (
    ("equity", "Equity", "price"),
    ("pnl", "Today's P&L", "price"),
    ("drawdown", "Drawdown", "figure"),
    ("max_drawdown", "Max drawdown", "figure"),
    ("sharpe", "Live Sharpe", "figure"),
    ("events", "Events", "figure"),
    ("state", "State", "figure"),
    ("feed", "Feed", "figure"),
)


class StrategyPage(ScrollColumn):
    """`strategy_id` is the strategy shown (None before a card was clicked)."""

    back_requested = Signal()
    verification_requested = Signal(str)
    alerts_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        theme = style.current_theme()
        margin = theme.px("spacing.semantic.xl")
        super().__init__(
            margins=(margin,) * 4, spacing=theme.px("spacing.semantic.lg"), parent=parent
        )
        self.strategy_id: str | None = None
        self.shown_version = -1
        self._alerts_shown: tuple[Alert, ...] = ()
        self.column.addLayout(self._header())
        self.figures = DataCard("Key figures", columns=4, clickable=False)
        for key, caption, kind in FIGURES:
            self.figures.add_metric(key, caption, kind)
        self.column.addWidget(self.figures)
        self.chart = PerformanceChart()
        self.chart.setMinimumHeight(2 * theme.px("size.card_chart_height"))
        self.column.addWidget(self._section("Equity (live)", self.chart), 3)
        self.rules = RowTableModel(EVIDENCE_COLUMNS, key=lambda r: r.rule)
        self.rules_table = DataTable(self.rules)
        self.rules_table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
        self.rules_table.setMinimumHeight(12 * theme.px("size.row_height"))  # 10 rules, header
        self.rules_table.set_empty_text("No verdict yet: the rules need the first live data.")
        self.column.addWidget(self._section("Rules", self.rules_table), 2)
        self.alerts = AlertLogModel()
        self.alerts_table = DataTable(self.alerts)
        self.alerts_table.sortByColumn(
            self.alerts.column_of("updated"), Qt.SortOrder.DescendingOrder
        )
        self.alerts_table.setMinimumHeight(5 * theme.px("size.row_height"))
        self.alerts_table.set_empty_text("No active alert for this strategy.")
        self.column.addWidget(self._section("Active alerts", self.alerts_table), 1)

    def _header(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.back_button = Button("\u2190 Dashboard", "ghost", tooltip="Back to every strategy")
        self.back_button.clicked.connect(self.back_requested)
        self.title = QLabel("—")
        self.title.setProperty("kind", "heading")
        self.badge = StatusBadge(Status.INSUFFICIENT_DATA)
        self.verify_button = Button("Verification", "secondary", tooltip="Every rule's evidence")
        self.verify_button.clicked.connect(self._open_verification)
        self.alerts_button = Button("Alert log", "ghost", tooltip="Every alert and its history")
        self.alerts_button.clicked.connect(self.alerts_requested)
        row.addWidget(self.back_button)
        row.addWidget(self.title)
        row.addWidget(self.badge)
        row.addStretch(1)
        row.addWidget(self.verify_button)
        row.addWidget(self.alerts_button)
        return row

    def _section(self, caption: str, body: QWidget) -> DataCard:
        card = DataCard(caption, columns=1, clickable=False)
        card.set_body(body)
        return card

    def _open_verification(self) -> None:
        if self.strategy_id is not None:
            self.verification_requested.emit(self.strategy_id)

    def show_strategy(self, strategy_id: str) -> None:
        """Switch to `strategy_id`; its data arrives with the next `show_state`."""
        if strategy_id == self.strategy_id:
            return
        self.strategy_id = strategy_id
        self.shown_version = -1
        self._alerts_shown = ()
        self.title.setText(strategy_id)
        self.rules.remove(self.rules.row_keys())
        self.alerts.remove(self.alerts.row_keys())
        self.chart.set_series([], [])

    def show_state(self, snaps: Mapping[str, StrategySnapshot], alerts: Sequence[Alert]) -> None:
        """Repaint from the window's refresh: only what changed."""
        snap = snaps.get(self.strategy_id or "")
        if snap is not None and snap.version != self.shown_version:
            self.shown_version = snap.version
            self._show_snapshot(snap)
        mine = tuple(a for a in alerts if a.strategy_id == self.strategy_id)
        if mine != self._alerts_shown:
            self._alerts_shown = mine
            self.alerts.remove(
                [k for k in self.alerts.row_keys() if k not in {a.fingerprint for a in mine}]
            )
            self.alerts.upsert(mine)

    def _show_snapshot(self, snap: StrategySnapshot) -> None:
        self.title.setText(snap.name or snap.strategy_id)
        self.title.setToolTip(snap.strategy_id)
        verdict = snap.verdict
        self.badge.set_status(verdict.status if verdict else Status.INSUFFICIENT_DATA)
        card = self.figures
        card.set_metric("equity", fmt.money(snap.equity))
        card.set_metric("pnl", fmt.signed_money(snap.pnl_today), pnl=fmt.pnl_kind(snap.pnl_today))
        card.set_metric("drawdown", fmt.percent(snap.drawdown))
        card.set_metric("max_drawdown", fmt.percent(snap.max_drawdown))
        card.set_metric("sharpe", fmt.ratio(snap.sharpe))
        card.set_metric("events", fmt.count(snap.events))
        card.set_metric("state", snap.state.value.capitalize())
        card.set_metric("feed", snap.feed.value.capitalize())
        if snap.chart_t.size:
            start = float(snap.chart_equity[0])
            self.chart.set_series(snap.chart_t, snap.chart_equity, baseline=start)
            self.chart.set_trend(fmt.pnl_kind(float(snap.chart_equity[-1]) - start))
        rules: Sequence[RuleResult] = verdict.rules if verdict else ()
        self.rules.upsert(rules)
        self.rules.remove([k for k in self.rules.row_keys() if not any(r.rule == k for r in rules)])
