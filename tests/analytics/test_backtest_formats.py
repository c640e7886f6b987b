"""Backtests from each tool -> daily returns; each names what it read and refuses
what it cannot read with the line. backtrader's file is real (its PyFolio analyzer,
scripts/fixtures/backtrader_returns.py); the others follow each tool's documented
output layout (see each parser's docstring)."""

from __future__ import annotations

import importlib.util
import io
import json
import math
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from perfdesk.analytics.backtest_formats import FORMATS, read_backtest
from perfdesk.analytics.backtest_import import BacktestImportError

FIXTURES = Path(__file__).parent.parent / "fixtures" / "backtests"
RNG = np.random.default_rng(11)
DAYS = [d for d in (date(2024, 1, 1) + timedelta(i) for i in range(140)) if d.weekday() < 5]
RETURNS = RNG.normal(0.0005, 0.01, len(DAYS)).round(8)
EQUITY = 100_000 * np.cumprod(1 + RETURNS)


def _csv(header: str, rows: list[str]) -> bytes:
    return (header + "\n" + "\n".join(rows) + "\n").encode()


def test_quantstats_returns_csv() -> None:
    data = _csv("Date,Returns", [f"{d},{r}" for d, r in zip(DAYS, RETURNS, strict=True)])
    got = read_backtest("quantstats", data, "qs.csv")
    assert got.read == "Date + Returns (simple returns)"
    np.testing.assert_allclose(got.series.returns, RETURNS)


def test_a_bad_row_is_refused_with_its_line() -> None:
    rows = [f"{d},{r}" for d, r in zip(DAYS, RETURNS, strict=True)]
    rows[5] = f"{DAYS[5]},n/a"
    with pytest.raises(BacktestImportError, match=r"line 7, column 'Returns': 'n/a'"):
        read_backtest("quantstats", _csv("Date,Returns", rows), "qs.csv")
    rows[5] = f"{DAYS[3]},0.01"  # out of order: the file's own line is named
    with pytest.raises(BacktestImportError, match=r"line 7, column 'ts'.*earlier"):
        read_backtest("quantstats", _csv("Date,Returns", rows), "qs.csv")


def test_backtrader_pyfolio_returns_recorded_by_backtrader() -> None:
    got = read_backtest("backtrader", (FIXTURES / "backtrader_returns.csv").read_bytes(), "bt")
    assert got.read == "index + return (PyFolio returns)"
    assert got.series.returns.size == 300 and np.any(got.series.returns != 0)


def test_zipline_prefers_portfolio_value() -> None:
    rows = [f"{d} 21:00:00+00:00,{e},{r},0" for d, e, r in zip(DAYS, EQUITY, RETURNS, strict=True)]
    data = _csv("period_close,portfolio_value,returns,leverage", rows)
    got = read_backtest("zipline", data, "perf.csv")
    assert got.read == "period_close + portfolio_value (equity)"
    np.testing.assert_allclose(got.series.returns, RETURNS[1:], atol=1e-9)


def test_vectorbt_value_and_lean_equity() -> None:
    data = _csv("Date,value", [f"{d},{e}" for d, e in zip(DAYS, EQUITY, strict=True)])
    assert read_backtest("vectorbt", data, "v.csv").series.returns.size == len(DAYS) - 1
    t0 = datetime(2024, 1, 1, 21, tzinfo=UTC).timestamp()
    points = [[int(t0 + i * 86_400 * (7 / 5)), e, e, e, e] for i, e in enumerate(EQUITY)]
    doc = {"charts": {"Strategy Equity": {"series": {"Equity": {"values": points}}}}}
    got = read_backtest("lean", json.dumps(doc).encode(), "lean.json")
    assert "Strategy Equity" in got.read
    bad = {"charts": {"Benchmark": {}}}
    with pytest.raises(BacktestImportError, match="no 'Strategy Equity' chart"):
        read_backtest("lean", json.dumps(bad).encode(), "lean.json")


def test_vnpy_balance_or_log_returns() -> None:
    rows = [f"{d},{e},{math.log1p(r)}" for d, e, r in zip(DAYS, EQUITY, RETURNS, strict=True)]
    got = read_backtest("vnpy", _csv("date,balance,return", rows), "vn.csv")
    assert got.read == "date + balance (equity)"
    logs = [f"{d},{math.log1p(r)}" for d, r in zip(DAYS, RETURNS, strict=True)]
    got = read_backtest("vnpy", _csv("date,return", logs), "vn.csv")
    np.testing.assert_allclose(got.series.returns, RETURNS, atol=1e-12)
    assert any("log return" in n for n in got.notes)


def test_nautilus_account_report_and_calendar_day_returns() -> None:
    rows = []
    for d, e in zip(DAYS, EQUITY, strict=True):
        rows.append(f"{d}T00:00:00+00:00,{e - 5},0,{e - 5},USD,SIM-001")  # same ts twice:
        rows.append(f"{d}T00:00:00+00:00,{e},0,{e},USD,SIM-001")  # the last state wins
    got = read_backtest("nautilus", _csv(",total,locked,free,currency,account_id", rows), "r")
    np.testing.assert_allclose(got.series.returns, RETURNS[1:], atol=1e-9)
    mixed = [*rows[:4], f"{DAYS[2]}T00:00:00+00:00,1,0,1,EUR,SIM-001"]
    with pytest.raises(BacktestImportError, match="mixes currencies"):
        read_backtest("nautilus", _csv(",total,locked,free,currency,account_id", mixed), "r")
    calendar, it = [], iter(RETURNS)
    for i in range(140):
        d = date(2024, 1, 1) + timedelta(i)
        calendar.append(f"{d},{0.0 if d.weekday() >= 5 else next(it)}")
    got = read_backtest("nautilus", _csv(",returns", calendar), "returns.csv")
    assert got.series.returns.size == len(DAYS) and np.all(got.series.returns != 0)
    assert any("40 weekend rows" in n for n in got.notes)


def _freqtrade_json(strategies: dict[str, list[tuple[str, float]]]) -> bytes:
    doc = {
        "strategy": {
            name: {"starting_balance": 1000.0, "daily_profit": [list(p) for p in dp]}
            for name, dp in strategies.items()
        },
        "strategy_comparison": [],
    }
    return json.dumps(doc).encode()


def test_freqtrade_zip_and_plain_json() -> None:
    profits = [(str(date(2024, 1, 1) + timedelta(i)), float(RNG.normal(1, 8))) for i in range(90)]
    plain = _freqtrade_json({"SampleStrategy": profits})
    got = read_backtest("freqtrade", plain, "backtest-result-2024.json")
    assert got.read == "strategy.SampleStrategy.daily_profit + starting_balance"
    equity = 1000 + np.cumsum([p for _, p in profits])
    np.testing.assert_allclose(got.series.returns[-1], equity[-1] / equity[-2] - 1)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("backtest-result-2024-05-01_10-00-00.json", plain)
        zf.writestr("backtest-result-2024-05-01_10-00-00_config.json", "{}")
        zf.writestr("backtest-result-2024-05-01_10-00-00_SampleStrategy_wallet.feather", b"x")
    got = read_backtest("freqtrade", buf.getvalue(), "backtest-result-2024-05-01_10-00-00.zip")
    assert any("pyarrow" in n for n in got.notes)
    two = _freqtrade_json({"A": profits, "B": profits})
    with pytest.raises(BacktestImportError, match=r"one strategy of \['A', 'B'\]"):
        read_backtest("freqtrade", two, "r.json")
    assert read_backtest("freqtrade", two, "r.json", strategy="B").series.returns.size == 90


def test_every_format_is_listed_and_an_unknown_one_named() -> None:
    assert set(FORMATS) >= {
        "freqtrade",
        "nautilus",
        "lean",
        "backtrader",
        "zipline",
        "vectorbt",
        "quantstats",
        "vnpy",
    }
    with pytest.raises(ValueError, match="unknown backtest format 'excel'"):
        read_backtest("excel", b"", "x")


def test_freqtrade_zip_written_by_freqtrade() -> None:
    """scripts/fixtures/freqtrade_backtest.py: freqtrade's own writers made this zip."""
    zipped = FIXTURES / "backtest-result-2026-01-05_09-00-00.zip"
    got = read_backtest("freqtrade", zipped.read_bytes(), zipped.name)
    pyarrow = importlib.util.find_spec("pyarrow") is not None
    if pyarrow:
        assert got.read.endswith("(mark-to-market)")
    else:
        assert got.read == "strategy.SampleStrategy.daily_profit + starting_balance"
        assert any("needs pyarrow" in n for n in got.notes)
    assert got.series.returns.size >= 119
