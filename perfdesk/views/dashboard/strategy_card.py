"""One strategy on the dashboard: figures, status badge, feed state and a live chart.

Signals: activated(str strategy_id) when clicked.
`show_snapshot` is cheap when nothing changed: it returns at once if `version` is
the one already shown.
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QWidget

from perfdesk.analytics.metrics import sample_size
from perfdesk.domain.snapshot import StrategySnapshot
from perfdesk.domain.status import Status
from perfdesk.views.components.data_card import DataCard, set_text
from perfdesk.views.components.sparkline import Sparkline
from perfdesk.views.components.status_badge import StateIndicator, StatusBadge
from perfdesk.views.support import fmt, style


def footer_text(snap: StrategySnapshot, now: datetime) -> str:
    """ "1,234 events · last: 3 s ago" (arrival age), "no events yet" before the first."""
    events = f"{fmt.count(snap.events)} event{'' if snap.events == 1 else 's'}"
    if snap.received_at is None:
        return f"{events} · none live yet" if snap.events else "no events yet"
    if now.timestamp() - snap.received_at < 1.0:
        return f"{events} · last: just now"
    return f"{events} · last: {fmt.age(snap.received_at, now)} ago"


class StrategyCard(DataCard):
    """A DataCard bound to one strategy_id."""

    activated = Signal(str)

    def __init__(self, strategy_id: str, parent: QWidget | None = None) -> None:
        super().__init__(strategy_id, parent, columns=2)
        self.strategy_id = strategy_id
        self.shown_version = -1
        self.chart_version = -1
        self._footer_at: datetime | None = None
        self.badge = StatusBadge()
        self.add_header_widget(self.badge)
        self.add_metric("equity", "Equity", kind="price")
        self.add_metric("pnl", "Today's P&L", kind="price")
        self.add_metric("drawdown", "Drawdown", kind="figure").setToolTip(
            "Current drawdown / maximum drawdown since go-live"
        )
        self.add_metric("sharpe", "Live Sharpe", kind="figure").setToolTip(
            "Annualised Sharpe ratio of the finished live days, shown from"
            f" {sample_size.MIN_PERIODS} days (before that: how many there are)"
        )
        # No area fill on live cards: it costs ~40 % more paint per frame (bench gui).
        self.chart = Sparkline()
        # With few strategies the cards get room to spare: a taller sparkline, not a poster.
        self.chart.setMaximumHeight(round(2.5 * style.current_theme().px("size.card_chart_height")))
        self.set_body(self.chart)
        self.add_footer(self._build_footer())
        self.title_label.setToolTip(strategy_id)
        self.clicked.connect(lambda: self.activated.emit(self.strategy_id))

    def _build_footer(self) -> QWidget:
        footer = QWidget()
        row = QHBoxLayout(footer)
        row.setContentsMargins(0, 0, 0, 0)
        self.state = StateIndicator()
        self.feed = StateIndicator()
        self.events = QLabel()
        self.events.setProperty("kind", "caption")
        self.events.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.events.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        row.addWidget(self.state)
        row.addWidget(self.feed)
        row.addWidget(self.events, 1)
        return footer

    def show_snapshot(
        self, snap: StrategySnapshot, now: datetime | None = None, chart: bool = True
    ) -> bool:
        """Update from `snap`; returns False (and does nothing) if already shown.

        `chart=False` updates the figures only; the chart catches up on a later call.
        """
        first = self.chart_version < 0
        now = now or datetime.now(UTC)
        if (chart or first) and snap.version != self.chart_version:
            self.chart_version = snap.version
            self._chart(snap)
        if snap.version == self.shown_version:
            self._footer(snap, now)  # the age keeps growing while nothing arrives
            return False
        self.shown_version = snap.version
        self.set_title(snap.name or snap.strategy_id)
        self._figures(snap)
        self._status(snap)
        self._footer(snap, now)
        return True

    def _footer(self, snap: StrategySnapshot, now: datetime) -> None:
        """Event count and how long ago the last one ARRIVED (wall clock, not the event's
        own timestamp: a replaying or sped-up engine sends market times far in the past).
        Once a second is enough to read, and it saves repaints."""
        if self._footer_at is not None and 0 <= (now - self._footer_at).total_seconds() < 1.0:
            return
        self._footer_at = now
        set_text(self.events, footer_text(snap, now))
        tip = f"Last event's own time (market time): {fmt.local_time(snap.last_ts)}"
        if self.events.toolTip() != tip:
            self.events.setToolTip(tip)

    def _chart(self, snap: StrategySnapshot) -> None:
        if snap.chart_t.size:
            start = float(snap.chart_equity[0])
            self.chart.set_series(snap.chart_t, snap.chart_equity, baseline=start)
            self.chart.set_trend(fmt.pnl_kind(float(snap.chart_equity[-1]) - start))

    def _figures(self, snap: StrategySnapshot) -> None:
        self.set_metric("equity", fmt.money(snap.equity))
        self.set_metric("pnl", fmt.signed_money(snap.pnl_today), pnl=fmt.pnl_kind(snap.pnl_today))
        self.set_metric(
            "drawdown", f"{fmt.percent(snap.drawdown)} / {fmt.percent(snap.max_drawdown)}"
        )
        self.set_metric("sharpe", fmt.ratio(sample_size.annualised(snap.sharpe, snap.sharpe_days)))

    def _status(self, snap: StrategySnapshot) -> None:
        status = snap.verdict.status if snap.verdict else Status.INSUFFICIENT_DATA
        failing = [
            r for r in (snap.verdict.rules if snap.verdict else ()) if r.status.severity >= 2
        ]
        tip = "\n".join(f"{r.rule}: {r.message}" for r in failing) or "All rules pass"
        self.badge.set_status(status, tip)
        self.state.set_state(snap.state)
        self.feed.set_state(snap.feed, prefix="Feed ")
