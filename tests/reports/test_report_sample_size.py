"""A report over a handful of days never prints an annualised figure as a plain number."""

from __future__ import annotations

import csv
import dataclasses
import io
import math

import numpy as np
import pytest

from perfdesk.analytics.history_analysis import analyze
from perfdesk.analytics.metrics import MIN_PERIODS
from perfdesk.reports import tables
from perfdesk.reports.csv_writer import table_csv
from perfdesk.reports.html_render import render_html
from perfdesk.reports.model import Report
from perfdesk.testing import sample_report as sample
from perfdesk.testing.sample_report import sample_input, sample_report


@pytest.fixture(scope="module")
def short_report() -> Report:
    return sample_report((("five-days", False),), days=6, cone_paths=50)


def _needs(report: Report) -> str:
    n = report.strategies[0].analysis.metrics["periods"]
    assert n < MIN_PERIODS
    return f"{n} days — needs {MIN_PERIODS}"


def _rows(table: tables.Table) -> dict[str, tuple[tables.Cell, ...]]:
    return {row[0].raw: row for row in table.rows}


def test_metrics_table_withholds_live_annualised_figures(short_report: Report) -> None:
    needs = _needs(short_report)
    rows = _rows(tables.metrics_table(short_report.strategies[0].analysis))
    for key in ("cagr", "sharpe_ratio", "annual_volatility", "sortino_ratio"):
        live, backtest = rows[key][1], rows[key][2]
        assert live.text == needs and live.raw == needs, key
        assert isinstance(backtest.raw, float), key  # the 750-day backtest shows its number
    assert isinstance(rows["cumulative_return"][1].raw, float)
    assert "need 20 days" in tables.metrics_table(short_report.strategies[0].analysis).note


def test_desk_table_and_its_csv(short_report: Report) -> None:
    needs = _needs(short_report)
    desk = tables.desk_table(short_report)
    sharpe = desk.rows[0][desk.columns.index("Sharpe")]
    assert sharpe.text == needs
    parsed = list(csv.DictReader(io.StringIO(table_csv(desk))))
    assert parsed[0]["Sharpe"] == needs
    assert float(parsed[0]["Return"])  # a non-annualised figure stays a number


def test_html_key_figures(short_report: Report) -> None:
    html = render_html(short_report)
    assert _needs(short_report) in html


def test_a_six_month_report_withholds_nothing() -> None:
    report = sample_report((("six-months", False),), days=181, cone_paths=50)
    rows = _rows(tables.metrics_table(report.strategies[0].analysis))
    assert all("needs" not in c.text for row in rows.values() for c in row)
    assert isinstance(rows["sharpe_ratio"][1].raw, float)


def test_a_strategy_without_a_losing_day_reads_so() -> None:
    data = sample_input("always-up", days=40)
    steps = 1 + np.random.default_rng(2).uniform(1e-5, 1e-4, data.t.size)
    equity = 1_000_000.0 * np.cumprod(steps)
    data = dataclasses.replace(data, equity=equity, daily=sample._daily(data.t, equity))
    a = analyze(data, cone_paths=50, replay=False)
    assert a.metrics["sortino_ratio"] == math.inf
    rows = _rows(tables.metrics_table(a))
    for key in ("sortino_ratio", "profit_factor"):
        assert rows[key][1].text == rows[key][1].raw == "no losing days", key
    assert isinstance(rows["sharpe_ratio"][1].raw, float)
