"""Screens withhold annualised figures below the minimum sample: the dashboard card's live
Sharpe, History's metric table and the PDF report say "5 days — needs 20"."""

from __future__ import annotations

import dataclasses
import math
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from views_factories import make_snapshot

from perfdesk.analytics.metrics import MIN_PERIODS
from perfdesk.testing.sample_report import sample_report
from perfdesk.views.dashboard.strategy_card import StrategyCard
from perfdesk.views.history.history_tables import metric_rows, metrics_model
from perfdesk.views.reports.report_pdf import render_pdf

NOW = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)


def test_card_live_sharpe_says_how_many_days_until_it_shows(qtbot) -> None:
    card = StrategyCard("s1")
    qtbot.addWidget(card)
    card.show_snapshot(dataclasses.replace(make_snapshot(), sharpe_days=5), now=NOW)
    assert card.metric_label("sharpe").text() == f"5 days — needs {MIN_PERIODS}"
    card.show_snapshot(make_snapshot(version=2), now=NOW)  # 60 days behind it
    assert card.metric_label("sharpe").text() == "1.25"


@pytest.fixture(scope="module")
def short_report():  # type: ignore[no-untyped-def]
    return sample_report((("five-days", False),), days=6, cone_paths=50)


def test_history_metric_table(qtbot, short_report) -> None:
    a = short_report.strategies[0].analysis
    needs = f"{a.metrics['periods']} days — needs {MIN_PERIODS}"
    model = metrics_model()
    model.upsert(metric_rows(a))
    shown = {
        model.index(i, 0).data(): (model.index(i, 1).data(), model.index(i, 2).data())
        for i in range(model.rowCount())
    }
    assert shown["Sharpe"][0] == needs and shown["CAGR"][0] == needs
    assert "needs" not in shown["Sharpe"][1]  # the backtest has 750 days
    assert "needs" not in shown["Cumulative return"][0]
    assert "Up capture" not in shown  # no benchmark, no capture rows
    assert "Tail VaR 99% (GPD)" in shown


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdf_key_figures(tmp_path: Path, qapp: object, short_report) -> None:
    path = tmp_path / "short.pdf"
    render_pdf(short_report, path)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    n = short_report.strategies[0].analysis.metrics["periods"]
    assert f"{n} days — needs {MIN_PERIODS}" in " ".join(text.split())


def test_history_sortino_without_losses_reads_no_losing_days(qtbot) -> None:
    from perfdesk.views.history.history_tables import FORMATS

    assert FORMATS["sortino_ratio"](math.inf) == "no losing days"
    assert FORMATS["profit_factor"](math.inf) == "no losing days"
    assert FORMATS["sortino_ratio"](1.5) == "1.50"


def test_history_headline_cards(qtbot, short_report) -> None:
    from perfdesk.views.history.history_widgets import KpiStrip

    strip = KpiStrip()
    qtbot.addWidget(strip)
    a = short_report.strategies[0].analysis
    strip.show_result(a)
    days = f"{a.metrics['periods']} days"
    for key in ("sharpe", "vol"):
        assert strip.cards[key].value.text() == days
        assert strip.cards[key].ref.text() == f"needs {MIN_PERIODS}"
        assert "backtest" in strip.cards[key].toolTip()
    assert strip.minimumSizeHint().width() < 760  # fits a 1024-px window beside the sidebar
    assert strip.cards["total"].value.text().endswith("%")


def test_verification_sharpe_column(qtbot) -> None:
    from perfdesk.views.verification.verification_model import BASE_COLUMNS, VerificationRow

    column = next(c for c in BASE_COLUMNS if c.key == "sharpe")
    assert column.display is not None
    young = VerificationRow.from_snapshot(dataclasses.replace(make_snapshot(), sharpe_days=5))
    assert column.display(young) == f"5/{MIN_PERIODS} d"
    assert f"5 days — needs {MIN_PERIODS}" in column.extra["tip"](young)
    assert column.display(VerificationRow.from_snapshot(make_snapshot())) == "1.25"
