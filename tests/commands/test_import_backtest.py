"""`perfdesk import-backtest --from TOOL FILE` prints what it read; refuses with the line."""

from __future__ import annotations

import json
from pathlib import Path

from perfdesk.cli import main

FIXTURE = Path(__file__).parent.parent / "fixtures" / "backtests" / "backtrader_returns.csv"


def test_import_backtest_reads_and_writes_daily_returns(tmp_path, capsys) -> None:
    out = tmp_path / "daily.csv"
    code = main(
        ["import-backtest", "--from", "backtrader", str(FIXTURE), "--csv", str(out), "--json"]
    )
    assert code == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["read"] == "index + return (PyFolio returns)" and summary["days"] == 300
    assert out.read_text().splitlines()[0] == "ts,return"
    assert len(out.read_text().splitlines()) == 301


def test_import_backtest_refuses_with_the_line(tmp_path, capsys) -> None:
    bad = tmp_path / "r.csv"
    bad.write_text("Date,Returns\n2024-01-01,0.01\n2024-01-02,abc\n")
    assert main(["import-backtest", "--from", "quantstats", str(bad)]) == 1
    assert "line 3, column 'Returns'" in capsys.readouterr().err
