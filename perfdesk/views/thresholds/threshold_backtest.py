""" "Test against history" for the threshold form: replay the draft rule set (and the saved
one, for comparison) over a strategy's history before saving.

    backtest = ThresholdBacktest(history_source, draft=form.value, saved=lambda: stored)
    backtest.set_strategy(scope)      # the form's scope; None = pick one in the widget
    backtest.set_source(source)       # when the source exists only later (after start-up)

Shows where each alert would have fired (markers on the equity chart), alerts per month,
and a one-line verdict ("draft: 4 alerts in 6 months (1 critical) — saved: 11").
The replay runs in the HistoryService (backend loop + worker thread), newest request wins.
Signals: tested(ThresholdTest).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from perfdesk.analytics.history_types import ReplaySummary, ThresholdTest
from perfdesk.domain.status import Status
from perfdesk.domain.thresholds import Thresholds
from perfdesk.services.history.service import PRESETS, HistoryRequest
from perfdesk.views.components.button import Button
from perfdesk.views.history.history_charts import AlertsPerMonthChart, EquityChart
from perfdesk.views.history.history_source import HistorySource
from perfdesk.views.history.history_widgets import Panel
from perfdesk.views.support import ops, style
from perfdesk.views.verification.rule_text import rule_title

Draft = Callable[[], Thresholds | None]


PRESET_MONTHS = {"1M": 1, "3M": 3, "6M": 6, "1Y": 12}
DAYS_PER_MONTH = 365.25 / 12
WAITING = "Waiting for the database to start…"
READY = "Pick a strategy and a range, then test the draft."


def span_months(preset: str, t: Any) -> float:
    """The months a test covers: the preset's own (6M is 6, though it touches 7 calendar
    months), else the days between its first and last day."""
    if preset in PRESET_MONTHS:
        return float(PRESET_MONTHS[preset])
    if len(t) < 2:
        return 0.0
    return (float(t[-1]) - float(t[0])) / 86_400.0 / DAYS_PER_MONTH


def months_text(months: float) -> str:
    whole = round(months)
    if abs(months - whole) < 0.05:
        return f"{whole} month{'s' if whole != 1 else ''}"
    return f"{months:.1f} months"


def describe(summary: ReplaySummary, months: float) -> str:
    """ "4 alerts (1 critical), 0.7 a month" for one replayed set."""
    n = summary.alert_count
    crit = sum(1 for a in summary.fired if a.severity is Status.CRITICAL)
    rate = n / months if months else 0.0
    return f"{n} alert{'s' if n != 1 else ''} ({crit} critical), {rate:.1f} a month"


def first_alert(summary: ReplaySummary) -> str:
    if not summary.fired:
        return ""
    a = summary.fired[0]
    day = datetime.fromtimestamp(a.ts, UTC).strftime("%Y-%m-%d")
    return f"first on {day}: {rule_title(a.rule)} {a.severity.value}"


class ThresholdBacktest(QWidget):
    """The "test against history" panel (see the module docstring)."""

    tested = Signal(object)

    def __init__(
        self,
        source: HistorySource | None,
        draft: Draft,
        saved: Draft | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.source = source
        self.draft = draft
        self.saved = saved
        self.result: ThresholdTest | None = None
        self._strategies_loaded = False
        self._build()

    def _build(self) -> None:
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(style.current_theme().px("spacing.semantic.sm"))
        caption = QLabel("TEST AGAINST HISTORY")
        caption.setProperty("kind", "caption")
        box.addWidget(caption)
        row = QHBoxLayout()
        self.strategy = QComboBox()
        # Takes the room there is, down to 90 px (a long name is cut), rather than push the
        # page wider than a 1024 px window; the full name is in the list.
        self.strategy.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.strategy.setMinimumWidth(90)
        self.strategy.setToolTip("Strategy whose stored history the rules are replayed over")
        self.range = QComboBox()
        self.range.addItems(list(PRESETS))
        self.range.setCurrentText("6M")
        self.range.setToolTip("History range (ending at the strategy's last stored day)")
        self.run_button = Button("Test against history", variant="secondary")
        self.run_button.setToolTip("Replay the draft rules day by day over the chosen history")
        self.run_button.clicked.connect(self.run)
        row.addWidget(self.strategy, 1)
        row.addWidget(self.range)
        row.addWidget(self.run_button)
        box.addLayout(row)
        self.summary = QLabel(READY)
        self.summary.setProperty("kind", "muted")
        self.summary.setWordWrap(True)
        box.addWidget(self.summary)
        # Until the charts exist, the controls and the message sit together at the top.
        box.addStretch(1)
        self._box = box
        self.chart: EquityChart | None = None
        self.per_month: AlertsPerMonthChart | None = None
        """Built with the first result: no empty axes before a test, and a form page that is
        never tested costs no plot widgets (two per Thresholds page)."""

    def _charts(self) -> tuple[EquityChart, AlertsPerMonthChart]:
        if self.chart is None or self.per_month is None:
            self.chart = EquityChart()
            self.chart.setMinimumHeight(110)
            self.per_month = AlertsPerMonthChart()
            self.per_month.setMinimumHeight(70)
            # pyqtgraph asks for 480 px; in a scroll area that would always scroll. Take
            # the room there is (at least the minimum) instead.
            for chart in (self.chart, self.per_month):
                chart.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
            self._box.takeAt(self._box.count() - 1)  # the charts take the room now
            self._box.addWidget(
                Panel("Equity — ▼ where the draft rules would have fired", self.chart), 3
            )
            self._box.addWidget(Panel("Alerts per month (draft rules)", self.per_month), 2)
        return self.chart, self.per_month

    def set_source(self, source: HistorySource) -> None:
        """Attach the history source (the backend starts after the window is built)."""
        self.source = source
        self._strategies_loaded = False
        if self.isVisible():
            self.refresh_strategies()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._strategies_loaded:
            self.refresh_strategies()

    def refresh_strategies(self) -> None:
        if self.source is None:
            self.summary.setText(WAITING)  # the backend is still starting
            return
        self._strategies_loaded = True
        ops.run(self.source.strategies(), owner=self, on_success=self._set_strategies,
                group=f"threshold-backtest-strategies-{id(self)}")  # fmt: skip

    def _set_strategies(self, items: list[tuple[str, str]]) -> None:
        if "waiting for the database" in self.summary.text().lower():  # connected now
            self.summary.setText(READY)
        current = self.strategy.currentData()
        self.strategy.clear()
        for sid, name in items:
            self.strategy.addItem(name, sid)
        if current is not None:
            self.set_strategy(current)

    def set_strategy(self, strategy_id: str | None) -> None:
        """Follow the form's scope (None: keep the widget's own choice)."""
        if strategy_id is None:
            return
        index = self.strategy.findData(strategy_id)
        if index < 0:
            self.strategy.addItem(strategy_id, strategy_id)
            index = self.strategy.count() - 1
        self.strategy.setCurrentIndex(index)

    def run(self) -> None:
        """Replay the draft (and the saved set) over the chosen history."""
        sid = self.strategy.currentData()
        draft = self.draft()
        if self.source is None:
            self.summary.setText(f"Cannot test yet: {WAITING[0].lower()}{WAITING[1:]}")
            return
        if sid is None or draft is None:
            why = "pick a strategy" if sid is None else "fix the draft's errors first"
            self.summary.setText(f"Cannot test: {why}.")
            return
        sets: list[Thresholds | None] = [draft]
        saved = self.saved() if self.saved is not None else None
        if saved is not None:
            sets.append(saved)
        self.summary.setText(f"Replaying the rules over {sid} ({self.range.currentText()})…")
        request = HistoryRequest(sid, preset=self.range.currentText())
        ops.run(self.source.replay_thresholds(request, sets), owner=self,
                on_success=self.show_result, on_failure=self._failed,
                group=f"threshold-backtest-{id(self)}")  # fmt: skip

    def _failed(self, exc: BaseException) -> None:
        self.summary.setText(f"Could not test against history: {exc}")

    def show_result(self, result: ThresholdTest) -> None:
        self.result = result
        draft = result.summaries[0]
        chart, per_month = self._charts()
        chart.show_series(result.t, result.equity, draft)
        per_month.show_replay(draft, list(result.months))
        months = span_months(self.range.currentText(), result.t)
        text = f"Draft: {describe(draft, months)} over {months_text(months)}"
        if first := first_alert(draft):
            text += f" — {first}"
        if len(result.summaries) > 1:
            text += f".  Saved rules: {describe(result.summaries[1], months)}."
        self.summary.setText(text)
        self.tested.emit(result)
