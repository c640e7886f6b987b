"""The report's tables as plain rows: one definition shared by HTML, PDF and CSV.

Each cell carries its printed text, its raw value (what the CSV writes) and an optional
tone ("profit", "loss", "ok", "warning", "critical", "muted") the renderers colour.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from perfdesk.analytics.history_types import HistoryAnalysis
from perfdesk.analytics.metrics import sample_size
from perfdesk.analytics.rules import titles
from perfdesk.reports import fmt
from perfdesk.reports.model import Report, StrategyReport, ThresholdChange

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Cell:
    text: str
    raw: Any = None
    tone: str | None = None
    align: str = "right"


@dataclass(frozen=True)
class Table:
    key: str  # file-name friendly: "metrics", "rules", ...
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str = ""


def _t(text: str, raw: Any = None) -> Cell:
    return Cell(text, text if raw is None else raw, None, "left")


def _pct(v: Any, digits: int = 1, signed: bool = False) -> Cell:
    return Cell(fmt.pct(v, digits, signed=signed), _raw(v), fmt.tone(v) if signed else None)


def _num(v: Any, digits: int = 2) -> Cell:
    return Cell(fmt.num(v, digits), _raw(v))


def _raw(v: Any) -> Any:
    """What the CSV holds: the number, or the words for a withheld or infinite figure
    (never a plain number below the minimum sample)."""
    text = fmt.withheld(v)
    if text is not None:
        return text
    return None if fmt.is_missing(v) else v


def _status(status: Any) -> Cell:
    text = str(getattr(status, "value", status)).replace("_", " ")
    return Cell(text.upper(), str(getattr(status, "value", status)), _status_tone(text), "left")


def _status_tone(text: str) -> str:
    return {"ok": "ok", "warning": "warning", "critical": "critical"}.get(text, "muted")


# (key, label, kind) — the metric table in reading order; kind: pct | pct1s | num | days
METRICS: tuple[tuple[str, str, str], ...] = (
    ("cumulative_return", "Cumulative return", "pcts"),
    ("cagr", "CAGR", "pcts"),
    ("annual_volatility", "Annual volatility", "pct"),
    ("sharpe_ratio", "Sharpe ratio", "num"),
    ("probabilistic_sharpe_ratio", "Probabilistic Sharpe", "pct"),
    ("sortino_ratio", "Sortino ratio", "num"),
    ("calmar_ratio", "Calmar ratio", "num"),
    ("omega_ratio", "Omega ratio", "num"),
    ("max_drawdown", "Max drawdown (daily)", "pcts"),
    ("max_drawdown_intraday", "Max drawdown (intraday)", "pcts"),
    ("longest_drawdown_days", "Longest drawdown (days)", "num0"),
    ("ulcer_index", "Ulcer index", "num"),
    ("value_at_risk", "Daily VaR (95 %)", "pcts"),
    ("conditional_value_at_risk", "Daily CVaR (95 %)", "pcts"),
    ("skew", "Skew", "num"),
    ("kurtosis", "Kurtosis", "num"),
    ("tail_ratio", "Tail ratio", "num"),
    ("win_rate", "Winning days", "pct"),
    ("win_rate_months", "Winning months", "pct"),
    ("profit_factor", "Profit factor", "num"),
    ("payoff_ratio", "Payoff ratio", "num"),
    ("best_day", "Best day", "pcts"),
    ("worst_day", "Worst day", "pcts"),
    ("best_month", "Best month", "pcts"),
    ("worst_month", "Worst month", "pcts"),
    ("max_consecutive_wins", "Max consecutive wins", "num0"),
    ("max_consecutive_losses", "Max consecutive losses", "num0"),
    ("stability_of_timeseries", "Stability (R²)", "num"),
    ("gpd_var", "Tail VaR 99 % (GPD)", "pcts"),
    ("gpd_es", "Tail ES 99 % (GPD)", "pcts"),
    # with a benchmark only (the rows of absent keys are left out)
    ("up_capture", "Up capture", "num"),
    ("down_capture", "Down capture", "num"),
    ("up_down_capture", "Up/down capture", "num"),
    ("batting_average", "Batting average", "pct"),
    ("beta", "Beta", "num"),
)


def _metric_cell(v: Any, kind: str, key: str = "") -> Cell:
    words = fmt.metric_words(key, v)
    if words is not None:
        return Cell(words, words)
    if kind == "pcts":
        return _pct(v, 2, signed=True)
    if kind == "pct":
        return _pct(v, 1)
    return _num(v, 0 if kind == "num0" else 2)


def metrics_table(a: HistoryAnalysis) -> Table:
    rows = tuple(
        (_t(label, key), _metric_cell(sample_size.shown(a.metrics, key), kind, key),
         _metric_cell(sample_size.shown(a.metrics_backtest, key), kind, key))
        for key, label, kind in METRICS
        if key in a.metrics or key in a.metrics_backtest
    )  # fmt: skip
    note = (
        "Live: the report period. Backtest: the whole backtest (its own length), so compare"
        " annualised figures and ratios; cumulative ones and counts differ by length."
        f" Annualised figures need {sample_size.MIN_PERIODS} days of returns."
    )
    cols = ("Metric", "Live", "Backtest")
    return Table("metrics", "Metrics: live vs backtest", cols, rows, note)


def rules_table(s: StrategyReport) -> Table:
    rules = s.verdict.rules if s.verdict else ()
    rows = tuple(
        (_t(titles.rule_title(r.rule)), _status(r.status), _num(r.value, 3), _num(r.limit, 3),
         _t(r.message))
        for r in rules
    )  # fmt: skip
    note = f"Verdict: {s.verdict_source}." if s.verdict else "No verdict: no daily returns."
    return Table("rules", "Rules", ("Rule", "Status", "Value", "Limit", "Evidence"), rows, note)


def drawdowns_table(a: HistoryAnalysis) -> Table:
    rows = tuple(
        (_t(fmt.day(d.start_ts)), _t(fmt.day(d.valley_ts)),
         _t(fmt.day(d.end_ts) if d.end_ts is not None else "not recovered"),
         _pct(d.depth, 2, signed=True), _num(d.days, 1))
        for d in a.top_drawdowns
    )  # fmt: skip
    cols = ("Start", "Valley", "Recovered", "Depth", "Days")
    return Table("drawdowns", "Top drawdowns", cols, rows)


def monthly_table(a: HistoryAnalysis) -> Table:
    rows = tuple(
        (_t(str(year)), *(_pct(v, 1, signed=True) for v in values))
        for year, values in sorted(a.monthly.items())
    )  # fmt: skip
    return Table("monthly", "Monthly returns", ("Year", *MONTHS, "Year"), rows)


def alerts_table(s: StrategyReport) -> Table:
    rows = []
    for alert in s.alerts:
        ack = f"{alert.acked_by} {fmt.stamp(alert.acked_at)}" if alert.acked_by else "not acked"
        comments = "; ".join(
            f"{st.change} by {st.actor}: {st.comment}" for st in alert.steps if st.comment
        )
        rows.append((
            _t(fmt.stamp(alert.started_at)), _t(titles.rule_title(alert.rule)),
            _status(alert.severity), _t(alert.state), _t(alert.message), _t(ack),
            _t(comments or alert.ack_comment or fmt.DASH),
        ))  # fmt: skip
    cols = ("Started", "Rule", "Severity", "State", "Message", "Acknowledged", "Comments")
    return Table("alerts", "Alerts in the period", cols, tuple(rows))


def changes_table(changes: tuple[ThresholdChange, ...], key: str = "thresholds") -> Table:
    rows = tuple(
        (_t(fmt.stamp(c.at)), _t("global defaults" if c.scope == "*" else c.scope),
         _t(f"v{c.version}", c.version), _t(c.action), _t(c.actor),
         _t("\n".join(c.changes) or fmt.DASH), _t(c.comment or fmt.DASH))
        for c in changes
    )  # fmt: skip
    cols = ("When", "Scope", "Version", "Action", "Who", "Changes", "Comment")
    return Table(key, "Threshold changes in the period", cols, rows)


def desk_table(report: Report) -> Table:
    rows = tuple(
        (_t(s.analysis.name), _status(s.status),
         _pct(s.analysis.metrics.get("cumulative_return"), 2, signed=True),
         _num(sample_size.shown(s.analysis.metrics, "sharpe_ratio")),
         _pct(s.analysis.metrics.get("max_drawdown"), 2, signed=True),
         Cell(str(len(s.alerts)), len(s.alerts)))
        for s in report.strategies
    )  # fmt: skip
    cols = ("Strategy", "Status", "Return", "Sharpe", "Max DD", "Alerts")
    return Table("desk", "Desk summary", cols, rows)


def strategy_tables(s: StrategyReport) -> list[Table]:
    a = s.analysis
    return [rules_table(s), metrics_table(a), monthly_table(a), drawdowns_table(a),
            alerts_table(s), changes_table(s.threshold_changes)]  # fmt: skip
