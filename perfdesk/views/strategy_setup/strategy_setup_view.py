"""Strategy setup: import a backtest (with progress and errors at row/column) or declare
expectations, preview the derived profile, then save it for the strategy.

Signals: expectations_saved(str strategy_id).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from perfdesk.analytics.backtest_formats import FORMATS
from perfdesk.analytics.backtest_import import BacktestImportError, Issue
from perfdesk.domain.expectations import Expectations
from perfdesk.views.components.button import Button
from perfdesk.views.components.data_card import DataCard
from perfdesk.views.components.data_table import Column, DataTable, RowTableModel
from perfdesk.views.components.performance_chart import PerformanceChart, style_plot
from perfdesk.views.components.scroll_column import ScrollColumn
from perfdesk.views.forms.model_form import ModelForm
from perfdesk.views.history.history_widgets import Panel
from perfdesk.views.strategy_setup.backtest_job import BacktestPreview, run_import
from perfdesk.views.support import fmt, ops, style
from perfdesk.views.support.repositories import ExpectationRepository

DECLARED_HINTS = {
    "annual_return": "A fraction: 0.12 = 12% a year.",
    "annual_volatility": "A fraction: 0.15 = 15% a year.",
    "sharpe": "Annualised, from daily returns.",
    "win_rate": "Share of winning trades: 0.55 = 55%.",
    "trades_per_day": "Fills per trading day.",
    "slippage_bps": "Per fill, in basis points (1 bp = 0.01%).",
    "periods_per_year": "Return periods a year: 252 trading days, 365 calendar days.",
}
"""Units for the declared fields (the Expectations model has titles, not units)."""

ISSUE_COLUMNS: tuple[Column[Issue], ...] = (
    Column("line", "Line", lambda i: i.line, width=60),
    Column("column", "Column", lambda i: i.column, width=110),
    Column("message", "Problem", lambda i: i.message, extra={"tip": lambda i: i.message}),
)
PROFILE_FIGURES = (
    ("days", "Daily returns"),
    ("sharpe", "Sharpe (ann.)"),
    ("annual_return", "Annual return"),
    ("annual_volatility", "Annual volatility"),
    ("max_drawdown", "Max drawdown"),
    ("dd_p50", "Drawdown depth p50"),
    ("dd_p90", "Drawdown depth p90"),
    ("dd_p99", "Drawdown depth p99"),
    ("dur_p90", "Drawdown days p90"),
)


class _ProgressRelay(QObject):
    """Carries progress from the worker thread to the GUI thread (queued signal)."""

    progressed = Signal(float, str)


def _stored_summary(sid: str, stored: Expectations | None, announced: bool = False) -> str:
    if stored is None:
        return f"Nothing stored for {sid} yet: import a backtest or declare values."
    profile = stored.profile
    what = (
        f"a backtest profile of {fmt.count(profile.n_days)} days"
        if profile is not None
        else "declared values only (no backtest profile)"
    )
    if announced:
        return (
            f"{sid} is judged by the backtest profile its engine announced ({what[2:]}); "
            "nothing saved here. Declared values are added to it; importing a backtest "
            "replaces it."
        )
    return (
        f"Stored for {sid}: {what}. Empty fields keep the stored values (shown in grey); "
        "importing a backtest replaces the profile."
    )


async def current_expectations(
    repository: ExpectationRepository, sid: str
) -> tuple[Expectations | None, bool]:
    """What the strategy is judged by: the saved expectations, else those its engine
    announced (True), else None."""
    saved = await repository.load_expectations(sid)
    if saved is not None:
        return saved, False
    announced = getattr(repository, "announced_expectations", None)
    found = await announced(sid) if callable(announced) else None
    return (found, True) if isinstance(found, Expectations) else (None, False)


class StrategySetupView(QWidget):
    """One strategy at a time: backtest import + declared numbers -> Expectations."""

    expectations_saved = Signal(str)

    def __init__(
        self, repository: ExpectationRepository, who: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("Page")
        self.repository = repository
        self.who = who
        self.preview: BacktestPreview | None = None
        self._names: dict[str, str] = {}
        self.stored: Expectations | None = None
        """What is stored for the selected strategy (None: nothing, or not loaded yet)."""
        self.announced = False
        """`stored` is the profile the strategy's engine announced (nothing saved here)."""
        self._stored_for: str | None = None
        self.relay = _ProgressRelay(self)
        self.relay.progressed.connect(self._show_progress)
        self.issues = RowTableModel(ISSUE_COLUMNS, key=lambda i: f"{i.line}:{i.column}:{i.message}")
        self.declared = ModelForm(
            Expectations,
            titles={"": "Declared expectations"},
            hints=DECLARED_HINTS,
            exclude=frozenset({"profile"}),
            columns=3,
        )
        self._build()
        self.declared.changed.connect(lambda _r: self._update_actions())
        self.declared.set_value(Expectations())

    def _build(self) -> None:
        theme = style.current_theme()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        margin = theme.px("spacing.semantic.xl")
        scroll = ScrollColumn(margins=(margin,) * 4, spacing=theme.px("spacing.semantic.md"))
        outer.addWidget(scroll, 1)
        box = scroll.column
        box.addLayout(self._header())
        box.addLayout(self._import_row())
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.hide()
        self.stage_label = QLabel()
        self.stage_label.setProperty("kind", "muted")
        self.stage_label.setWordWrap(True)  # a long summary wraps; it never widens the page
        box.addWidget(self.progress)
        box.addWidget(self.stage_label)
        self.issues_table = DataTable(self.issues)
        self.issues_table.sortByColumn(0, Qt.SortOrder.AscendingOrder)  # file order
        self.issues_table.hide()
        self.issues_table.setMinimumHeight(160)
        box.addWidget(self.issues_table, 1)
        box.addWidget(self._preview_panel(), 2)
        box.addWidget(self.declared)
        # Save stays in view below the scrolling content, as on Thresholds and Settings.
        actions = self._action_bar()
        actions.setContentsMargins(margin, theme.px("spacing.semantic.md"), margin, margin)
        outer.addLayout(actions)

    def _header(self) -> QHBoxLayout:
        row = QHBoxLayout()
        title = QLabel("Strategy setup")
        title.setProperty("kind", "heading")
        self.strategy_combo = QComboBox()  # known strategies only: no phantom ids
        self.strategy_combo.setMinimumWidth(220)
        self.strategy_combo.setPlaceholderText("no strategy yet")
        self.strategy_combo.setToolTip(
            "Strategies appear here once their engine has sent data (the id is in each "
            "entry's tooltip)"
        )
        self.strategy_combo.currentIndexChanged.connect(lambda _i: self._update_actions())
        # Picking a strategy shows what is stored for it.
        self.strategy_combo.currentIndexChanged.connect(
            lambda _i: self.load_stored() if self.isVisible() else None
        )
        row.addWidget(title)
        row.addStretch(1)
        row.addWidget(QLabel("Strategy"))
        row.addWidget(self.strategy_combo)
        return row

    def _import_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText(
            "Backtest CSV: a time column (ts, date, …) and equity or returns"
        )
        self.browse_button = Button("Choose file…", "secondary")
        self.browse_button.clicked.connect(self._ask_path)
        self.import_button = Button("Import and preview", "secondary")
        self.import_button.clicked.connect(lambda: self.start_import(Path(self.path_edit.text())))
        self.format_combo = QComboBox()  # which tool wrote the file (backtest_formats)
        self.format_combo.setToolTip("The tool that wrote the backtest file")
        for name, what in FORMATS.items():
            self.format_combo.addItem(name, name)
            self.format_combo.setItemData(
                self.format_combo.count() - 1, what, Qt.ItemDataRole.ToolTipRole
            )
        row.addWidget(self.format_combo)
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.browse_button)
        row.addWidget(self.import_button)
        return row

    def _preview_panel(self) -> QWidget:
        panel = QWidget()
        row = QHBoxLayout(panel)
        row.setContentsMargins(0, 0, 0, 0)
        self.figures = DataCard("Derived profile", columns=2)  # 3 would not fit 1024 px
        self.figures.setCursor(Qt.CursorShape.ArrowCursor)
        for key, caption in PROFILE_FIGURES:
            self.figures.add_metric(key, caption)
        self.figures.add_stretch()
        self.equity_chart = PerformanceChart(fill=False)
        self.histogram = pg.PlotWidget()
        self.histogram.getPlotItem().setMenuEnabled(False)
        self.histogram.setMouseEnabled(x=False, y=False)
        style_plot(self.histogram, style.current_theme())
        charts = QGridLayout()
        charts.setSpacing(row.spacing())
        # Titled like the History page's panels (caption style), not pyqtgraph titles.
        charts.addWidget(Panel("Growth of 1 — backtest equity", self.equity_chart), 0, 0)
        charts.addWidget(Panel("Daily returns (%) — how many days", self.histogram), 0, 1)
        row.addWidget(self.figures, 2)
        row.addLayout(charts, 5)
        # A preview, not the page: the declared values below stay in view.
        panel.setMinimumHeight(240)
        panel.setMaximumHeight(320)
        panel.hide()
        self.preview_panel = panel
        return panel

    def _action_bar(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.state_label = QLabel()
        self.state_label.setProperty("kind", "muted")
        self.state_label.setWordWrap(True)  # a long message must not widen the window
        self.save_button = Button("Save expectations", "primary", shortcut="Ctrl+S")
        self.save_button.clicked.connect(self.save)
        row.addWidget(self.state_label, 1)
        row.addWidget(self.save_button)
        return row

    def set_strategies(self, names: dict[str, str]) -> None:
        """Live strategies (id -> name): listed by name, the id in the tooltip. Only these
        can be picked: expectations for an unknown id would create a phantom strategy."""
        self._names.update(names)
        combo = self.strategy_combo
        listed = {combo.itemData(i): i for i in range(combo.count())}
        for sid, name in sorted(names.items(), key=lambda kv: (kv[1] or kv[0]).lower()):
            if sid in listed:
                combo.setItemText(listed[sid], name or sid)
                continue
            combo.addItem(name or sid, sid)
            combo.setItemData(combo.count() - 1, sid, Qt.ItemDataRole.ToolTipRole)
        if combo.currentIndex() < 0 and combo.count():
            combo.setCurrentIndex(0)

    def select_strategy(self, strategy_id: str) -> bool:
        """Pick a known strategy by id (False if it is not listed)."""
        index = self.strategy_combo.findData(strategy_id)
        if index >= 0:
            self.strategy_combo.setCurrentIndex(index)
        return index >= 0

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.load_stored()  # the strategy picked while the page was hidden

    def load_stored(self) -> None:
        """Fetch the selected strategy's stored expectations into the form (newest wins)."""
        sid = self.strategy_id
        if not sid or sid == self._stored_for:
            return
        self._stored_for = sid
        self.stored = None
        self.announced = False
        self.state_label.setText(f"Loading what is stored for {sid}…")
        ops.run(
            current_expectations(self.repository, sid),
            owner=self,
            on_success=lambda found: self._show_stored(sid, *found),
            group=f"expectations-load:{id(self)}",
        )

    def _show_stored(self, sid: str, stored: Expectations | None, announced: bool = False) -> None:
        if sid != self.strategy_id:
            return
        self.stored, self.announced = stored, announced
        # The form holds what you DECLARE; a stored value shows as the empty field's
        # placeholder ("1.25 · stored") and is kept unless you type another.
        ppy = stored.periods_per_year if stored else Expectations().periods_per_year
        self.declared.set_value(Expectations(periods_per_year=ppy))
        kept = stored.model_dump(exclude={"profile", "periods_per_year"}) if stored else {}
        for key, field in self.declared.fields.items():
            if isinstance(field.input, QLineEdit) and (key in kept or stored is None):
                value = kept.get(key)
                field.input.setPlaceholderText("off" if value is None else f"{value:g} · stored")
        if self.preview is None:
            name = self._names.get(sid)
            label = f"{name} ({sid})" if name else sid
            self.stage_label.setText(_stored_summary(label, stored, announced))
        self._update_actions()

    @property
    def strategy_id(self) -> str:
        sid = self.strategy_combo.currentData()
        return sid if isinstance(sid, str) else ""

    def start_import(self, path: Path) -> None:
        """Read, check and profile `path` in a worker thread; the newest import wins."""
        self.path_edit.setText(str(path))
        self.issues.remove(self.issues.row_keys())
        self.issues_table.hide()
        self.preview = None
        self.preview_panel.hide()
        self.progress.setValue(0)
        self.progress.show()
        self.import_button.setEnabled(False)
        declared = self._declared_values()
        fmt = str(self.format_combo.currentData())
        ops.run(
            lambda: run_import(path, declared, self.relay.progressed.emit, fmt),
            owner=self,
            on_success=self._show_preview,
            on_failure=self._show_import_error,
            group=f"backtest-import:{id(self)}",
        )

    def _declared_values(self) -> dict[str, float | None]:
        value = self.declared.value()
        if not isinstance(value, Expectations):
            return {}
        return {
            k: v
            for k, v in value.model_dump(exclude={"profile", "periods_per_year"}).items()
            if v is not None
        }

    def _show_progress(self, fraction: float, stage: str) -> None:
        self.progress.setValue(round(fraction * 1000))
        self.stage_label.setText(stage)

    def _show_import_error(self, exc: BaseException) -> None:
        self.progress.hide()
        self.import_button.setEnabled(True)
        if isinstance(exc, BacktestImportError):
            self.issues.upsert(sorted(exc.issues, key=lambda i: (i.line, i.column)))
            self.issues_table.show()
            n = len(exc.issues)
            self.stage_label.setText(
                f"{n} problem{'s' if n != 1 else ''} in {Path(exc.source).name}: "
                "fix the file and import again"
            )
        else:
            self.stage_label.setText(f"Could not import: {exc}")
        self._update_actions()

    def _show_preview(self, preview: BacktestPreview) -> None:
        self.preview = preview
        self.progress.hide()
        self.import_button.setEnabled(True)
        exp = preview.expectations
        profile = exp.profile
        dd = profile.drawdown_depth_percentiles if profile else {}
        dur = profile.drawdown_duration_percentiles if profile else {}
        values = {
            "days": fmt.count(preview.series.returns.size),
            "sharpe": fmt.ratio(exp.sharpe),
            "annual_return": fmt.percent(exp.annual_return, signed=True),
            "annual_volatility": fmt.percent(exp.annual_volatility),
            "max_drawdown": fmt.percent(exp.max_drawdown),
            "dd_p50": fmt.percent(dd.get("p50")),
            "dd_p90": fmt.percent(dd.get("p90")),
            "dd_p99": fmt.percent(dd.get("p99")),
            "dur_p90": fmt.ratio(dur.get("p90"), 0),
        }
        for key, text in values.items():
            self.figures.set_metric(key, text)
        self._draw_charts(preview)
        self.preview_panel.show()
        series = preview.series
        self.stage_label.setText(
            f"{preview.path.name}: {series.rows:,} rows → {series.returns.size:,} daily returns"
            + (f" (read {'; '.join((preview.read, *preview.notes))})" if preview.read else "")
            + ". Check the profile, then save."
        )
        self._update_actions()

    def _draw_charts(self, preview: BacktestPreview) -> None:
        self.equity_chart.set_series(preview.day_seconds, preview.wealth, baseline=1.0)
        self.histogram.clear()
        counts, edges = np.histogram(preview.series.returns * 100, bins=40)
        theme = style.current_theme()
        bars = pg.BarGraphItem(
            x0=edges[:-1],
            x1=edges[1:],
            height=counts,
            brush=style.qcolor(theme, "colors.chart.line"),
            pen=style.pen(theme, "colors.chart.background"),
        )
        self.histogram.addItem(bars)
        self.histogram.getPlotItem().setLabel("bottom", "daily return (%)")
        self.histogram.getPlotItem().setLabel("left", "days")

    def _entered(self) -> bool:
        """Something to save: an imported backtest or at least one declared value."""
        return self.preview is not None or bool(self._declared_values())

    def _update_actions(self) -> None:
        declared_ok = self.declared.result.valid
        entered = self._entered()
        self.save_button.setEnabled(bool(self.strategy_id) and declared_ok and entered)
        if not self.strategy_id:
            self.state_label.setText("Choose the strategy these expectations belong to")
        elif not declared_ok:
            self.state_label.setText("Fix the highlighted declared values")
        elif not entered:
            self.state_label.setText("Import a backtest or declare a value to save")
        else:
            if self.preview:
                source = "the imported backtest's profile + declared values"
            elif self.stored is not None and self.stored.profile is not None:
                kept = "announced by the engine" if self.announced else "stored"
                source = f"the {kept} backtest profile (kept) + declared values"
            else:
                source = "declared values only (no backtest profile)"
            self.state_label.setText(f"Ready to save: {source}")

    def expectations(self) -> Expectations | None:
        """What Save would store: the imported backtest's expectations (else the stored
        ones, so a stored profile is never dropped) with the declared values applied."""
        declared = self.declared.value()
        if not isinstance(declared, Expectations):
            return None
        base = self.preview.expectations if self.preview else self.stored
        if base is None:
            return declared
        return base.model_copy(
            update=self._declared_values() | {"periods_per_year": declared.periods_per_year}
        )

    def save(self) -> None:
        declared = self.declared.value()
        sid = self.strategy_id
        if not isinstance(declared, Expectations) or not sid or not self._entered():
            return
        if sid not in self._names:
            self.state_label.setText(f"Not saved: {sid} is not a known strategy")
            return
        self.save_button.setEnabled(False)
        self.state_label.setText("Saving…")
        ops.run(
            self._save(sid, declared, self._declared_values(), self.preview),
            owner=self,
            on_success=lambda _r: self._saved(sid),
            on_failure=self._save_failed,
        )

    async def _save(
        self,
        sid: str,
        declared: Expectations,
        values: dict[str, float | None],
        preview: BacktestPreview | None,
    ) -> object:
        """Declared values onto the imported backtest, else onto what is stored NOW (read
        here, not from the page: a stored profile is never dropped, even when the page had
        not loaded it yet)."""
        if preview is not None:
            base: Expectations | None = preview.expectations
        else:
            base, _announced = await current_expectations(self.repository, sid)
        value = (
            base.model_copy(update=values | {"periods_per_year": declared.periods_per_year})
            if base is not None
            else declared
        )
        return await self.repository.save_expectations(sid, value, self.who)

    def _saved(self, sid: str) -> None:
        self.state_label.setText(f"Saved expectations for {sid}")
        self.save_button.setEnabled(True)
        self.expectations_saved.emit(sid)

    def _save_failed(self, exc: BaseException) -> None:
        ops.report_failure("Saving expectations failed", exc)
        self.state_label.setText(f"Not saved: {exc}")
        self._update_actions()

    def _ask_path(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Import backtest", "", "Backtests (*.csv *.json *.zip);;All files (*)"
        )
        if name:
            self.start_import(Path(name))
