"""Table models of the History page: metrics (live vs backtest), top drawdowns, yearly
returns, and the side-by-side comparison of several strategies.

Columns are declared once (perfdesk.views.components.data_table); rows are plain tuples
or dataclasses, replaced wholesale when a new analysis arrives (a few dozen rows).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QObject

from perfdesk.analytics.history_types import DrawdownRow, HistoryAnalysis
from perfdesk.analytics.metrics import sample_size
from perfdesk.analytics.metrics.sample_size import Insufficient
from perfdesk.reports.fmt import NO_LOSSES
from perfdesk.views.components.data_table import RIGHT, Column, RowTableModel
from perfdesk.views.support import fmt


def _pct(v: Any) -> str:
    return fmt.percent(v, 2) if isinstance(v, float | Insufficient) else fmt.DASH


def _ratio(v: Any) -> str:
    return fmt.ratio(v) if isinstance(v, float | Insufficient) else fmt.DASH


def _unbounded(v: Any) -> str:
    """A ratio that is +inf exactly when no period lost (Sortino, profit factor)."""
    return NO_LOSSES if v == math.inf else _ratio(v)


def _depth(v: Any) -> str:
    """Drawdowns as positive depths ("18.3%"), as on the cards and Verification."""
    return fmt.depth(v) if isinstance(v, float) else fmt.DASH


def _days(v: Any) -> str:
    return f"{v:,.0f} d" if isinstance(v, float) else fmt.DASH


def _count(v: Any) -> str:
    return f"{v:,.0f}" if isinstance(v, float) else fmt.DASH


def _text(v: Any) -> str:
    return str(v) if v is not None else fmt.DASH


METRICS: tuple[tuple[str, str, Callable[[Any], str]], ...] = (
    ("cumulative_return", "Cumulative return", _pct),
    ("cagr", "CAGR", _pct),
    ("annual_volatility", "Volatility (ann.)", _pct),
    ("sharpe_ratio", "Sharpe", _ratio),
    ("probabilistic_sharpe_ratio", "Prob. Sharpe (PSR)", _pct),
    ("smart_sharpe", "Smart Sharpe", _ratio),
    ("sortino_ratio", "Sortino", _unbounded),
    ("smart_sortino", "Smart Sortino", _unbounded),
    ("omega_ratio", "Omega", _ratio),
    ("calmar_ratio", "Calmar", _ratio),
    ("max_drawdown", "Max DD (daily)", _depth),
    ("max_drawdown_intraday", "Max DD (intraday)", _depth),
    ("max_drawdown_start", "Max DD start", _text),
    ("max_drawdown_end", "Max DD end", _text),
    ("longest_drawdown_days", "Longest drawdown", _days),
    ("average_drawdown", "Average drawdown", _depth),
    ("ulcer_index", "Ulcer index", _ratio),
    ("ulcer_performance_index", "Ulcer perf. index", _ratio),
    ("recovery_factor", "Recovery factor", _ratio),
    ("serenity_index", "Serenity index", _ratio),
    ("skew", "Skew", _ratio),
    ("kurtosis", "Kurtosis", _ratio),
    ("value_at_risk", "Daily VaR (95 %)", _pct),
    ("conditional_value_at_risk", "Daily CVaR (95 %)", _pct),
    ("tail_ratio", "Tail ratio", _ratio),
    ("common_sense_ratio", "Common sense ratio", _ratio),
    ("gain_to_pain_ratio", "Gain/pain ratio", _ratio),
    ("payoff_ratio", "Payoff ratio", _ratio),
    ("profit_factor", "Profit factor", _unbounded),
    ("cpc_index", "CPC index", _ratio),
    ("kelly_criterion", "Kelly criterion", _pct),
    ("risk_of_ruin", "Risk of ruin", _pct),
    ("win_rate", "Win days", _pct),
    ("win_rate_months", "Win months", _pct),
    ("avg_win", "Average win", _pct),
    ("avg_loss", "Average loss", _pct),
    ("best_day", "Best day", _pct),
    ("worst_day", "Worst day", _pct),
    ("best_month", "Best month", _pct),
    ("worst_month", "Worst month", _pct),
    ("max_consecutive_wins", "Max consecutive wins", _count),
    ("max_consecutive_losses", "Max consecutive losses", _count),
    ("stability_of_timeseries", "Stability (R²)", _ratio),
    ("outlier_win_ratio", "Outlier win ratio", _ratio),
    ("outlier_loss_ratio", "Outlier loss ratio", _ratio),
    ("gpd_var", "Tail VaR 99% (GPD)", _pct),
    ("gpd_es", "Tail ES 99% (GPD)", _pct),
)
# shown only when the analysis had a benchmark (full_report adds the keys then)
BENCHMARK_METRICS: tuple[tuple[str, str, Callable[[Any], str]], ...] = (
    ("up_capture", "Up capture", _ratio),
    ("down_capture", "Down capture", _ratio),
    ("up_down_capture", "Up/down capture", _ratio),
    ("batting_average", "Batting average", _pct),
)
LABELS = {key: label for key, label, _ in METRICS + BENCHMARK_METRICS}
FORMATS = {key: f for key, _, f in METRICS + BENCHMARK_METRICS}


@dataclass(frozen=True)
class MetricRow:
    key: str
    label: str
    live: Any
    backtest: Any


def metrics_model(parent: QObject | None = None) -> RowTableModel[MetricRow]:
    def shown(attr: str) -> Callable[[MetricRow], str]:
        return lambda r: FORMATS[r.key](getattr(r, attr))

    columns = [
        Column[MetricRow]("metric", "Metric", lambda r: r.label, width=150),
        Column[MetricRow]("live", "Live", lambda r: _sortable(r.live), align=RIGHT,
                          display=shown("live"), width=172),  # "6 days — needs 20" in full
        Column[MetricRow]("backtest", "Backtest", lambda r: _sortable(r.backtest), align=RIGHT,
                          display=shown("backtest")),
    ]  # fmt: skip
    return RowTableModel(columns, key=lambda r: r.key, parent=parent)


def _sortable(v: Any) -> Any:
    return v if isinstance(v, float | int | str) else None


def metric_rows(result: HistoryAnalysis) -> list[MetricRow]:
    """Annualised figures go through the minimum-sample rule; benchmark rows only when a
    benchmark was given."""
    live, bt = result.metrics, result.metrics_backtest
    benchmark = [row for row in BENCHMARK_METRICS if row[0] in live or row[0] in bt]
    return [
        MetricRow(key, label, sample_size.shown(live, key), sample_size.shown(bt, key))
        for key, label, _ in METRICS + tuple(benchmark)
    ]


def _day(ts: float | None) -> str:
    if ts is None:
        return "ongoing"
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")


def drawdowns_model(
    parent: QObject | None = None, *, compact: bool = False
) -> RowTableModel[DrawdownRow]:
    """Deepest first; `compact` leaves out the valley date (for the overview)."""
    columns = [
        Column[DrawdownRow]("depth", "Depth", lambda r: r.depth,
                            fmt=fmt.depth, align=RIGHT, pnl=True, width=78),
        Column[DrawdownRow]("start", "Started", lambda r: r.start_ts, fmt=_day, width=100),
        Column[DrawdownRow]("valley", "Valley", lambda r: r.valley_ts, fmt=_day, width=100),
        Column[DrawdownRow]("end", "Recovered", lambda r: r.end_ts or 0.0,
                            display=lambda r: _day(r.end_ts), width=100),
        Column[DrawdownRow]("days", "Days", lambda r: r.days, fmt=lambda v: f"{v:.1f}",
                            align=RIGHT),
    ]  # fmt: skip
    if compact:
        columns = [c for c in columns if c.key != "valley"]
    return RowTableModel(columns, key=lambda r: f"{r.start_ts}", parent=parent)


@dataclass(frozen=True)
class YearRow:
    year: int
    live: float
    months_up: int
    months: int


def yearly_rows(result: HistoryAnalysis) -> list[YearRow]:
    rows = []
    for year, value in sorted(result.yearly.items()):
        months = [v for v in result.monthly.get(year, [])[:12] if math.isfinite(v)]
        rows.append(YearRow(year, value, sum(1 for v in months if v > 0), len(months)))
    return rows


def yearly_model(parent: QObject | None = None) -> RowTableModel[YearRow]:
    columns = [
        Column[YearRow]("year", "Year", lambda r: r.year, width=70),
        Column[YearRow]("return", "Return", lambda r: r.live, fmt=_pct, align=RIGHT, pnl=True,
                        width=100),
        Column[YearRow]("months", "Months up", lambda r: r.months_up,
                        display=lambda r: f"{r.months_up} / {r.months}", align=RIGHT),
    ]  # fmt: skip
    return RowTableModel(columns, key=lambda r: str(r.year), parent=parent)


COMPARE_KEYS = (
    "cumulative_return", "cagr", "annual_volatility", "sharpe_ratio",
    "probabilistic_sharpe_ratio", "sortino_ratio", "calmar_ratio", "max_drawdown",
    "max_drawdown_intraday", "longest_drawdown_days", "value_at_risk", "win_rate",
    "profit_factor", "skew", "kurtosis",
)  # fmt: skip


def compare_model(
    results: list[HistoryAnalysis], parent: QObject | None = None
) -> RowTableModel[dict[str, Any]]:
    """Metric rows × one column per strategy (plus gap and alerts rows)."""
    columns = [Column[dict[str, Any]]("metric", "Metric", lambda r: r["label"], width=190)]
    columns += [_strategy_column(res.strategy_id, res.name) for res in results]
    model = RowTableModel(columns, key=lambda r: r["metric"], parent=parent)
    model.upsert(compare_rows(results))
    return model


def _strategy_column(sid: str, name: str) -> Column[dict[str, Any]]:
    def value(row: dict[str, Any]) -> Any:
        return _sortable(row.get(sid))

    def shown(row: dict[str, Any]) -> str:
        text: str = row["fmt"](row.get(sid))
        return text

    return Column[dict[str, Any]](sid, name, value, display=shown, align=RIGHT)


def compare_rows(results: list[HistoryAnalysis]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for key in COMPARE_KEYS:
        row: dict[str, Any] = {"metric": key, "label": LABELS[key], "fmt": FORMATS[key]}
        rows.append(row | {r.strategy_id: sample_size.shown(r.metrics, key) for r in results})
    shortfall = {r.strategy_id: r.gap.shortfall if r.gap else None for r in results}
    rows.append({"metric": "shortfall", "label": "Shortfall vs backtest", "fmt": _pct} | shortfall)
    alerts = {r.strategy_id: float(r.replay.alert_count) if r.replay else None for r in results}
    rows.append({"metric": "alerts", "label": "Alerts (replay)", "fmt": _count} | alerts)
    return rows
