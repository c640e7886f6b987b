"""`perfdesk analyze` on CSV files: metrics, rules, verdict, replay, and bad input."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest

from perfdesk.analytics import garch
from perfdesk.commands import analyze
from perfdesk.domain.expectations import GarchParams

TRUE = GarchParams(mu=0.0006, omega=0.05 * 1e-4, alpha=0.07, beta=0.88, nu=6.0)


def _write(path: Path, returns: np.ndarray, start: str, kind: str = "return") -> Path:
    dates = np.datetime64(start) + np.arange(returns.size).astype("timedelta64[D]")
    values = 1000000.0 * np.cumprod(1 + returns) if kind == "equity" else returns
    path.write_text(
        f"ts,{kind}\n" + "".join(f"{d},{float(v)!r}\n" for d, v in zip(dates, values, strict=True))
    )
    return path


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser()
    analyze.add_arguments(parser)
    code = analyze.run(parser.parse_args(list(argv)))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path, Path]:
    r = garch.simulate(TRUE, 1, 500 + 120, np.random.default_rng(21))[0]
    backtest = _write(tmp_path / "bt.csv", r[:500], "2022-01-01", kind="equity")
    healthy = _write(tmp_path / "live.csv", r[500:], "2023-06-01")
    broken = r[500:].copy()
    broken[60:] = np.random.default_rng(2).normal(-0.01, 0.03, 60)
    return backtest, healthy, _write(tmp_path / "broken.csv", broken, "2023-06-01")


def test_json_output_has_status_rules_metrics(capsys, files) -> None:
    backtest, live, _ = files
    code, out, _err = _run(capsys, "--expect", str(backtest), "--live", str(live), "--json")
    assert code == 0
    doc = json.loads(out.strip().splitlines()[-1])
    assert doc["status"] in {"ok", "insufficient_data", "warning"}
    names = {r["name"] for r in doc["rules"]}
    assert {
        "drawdown",
        "sharpe_decay",
        "distribution",
        "cusum",
        "page_hinkley",
        "daily_loss",
    } <= names
    for r in doc["rules"]:
        assert set(r) >= {"name", "status", "value", "limit", "evidence"}
    assert doc["metrics"]["live"]["sharpe_ratio"] is not None
    assert doc["metrics"]["expected"]["max_drawdown"] < 0
    assert "transitions" not in doc


def test_replay_lists_status_changes_of_a_breaking_strategy(capsys, files) -> None:
    backtest, _, broken = files
    code, out, _ = _run(
        capsys, "--expect", str(backtest), "--live", str(broken), "--json", "--replay"
    )
    assert code == 0
    doc = json.loads(out)
    assert doc["status"] == "critical"
    assert doc["transitions"], "a break must change the status"
    crit = [t for t in doc["transitions"] if t["status"] == "critical"]
    assert crit and crit[0]["ts"] >= "2023-07-31"  # the break starts on live day 60
    assert all({"ts", "status", "rules"} <= set(t) for t in doc["transitions"])


def test_text_output(capsys, files) -> None:
    backtest, _, broken = files
    code, out, _ = _run(capsys, "--expect", str(backtest), "--live", str(broken), "--replay")
    assert code == 0
    assert "verdict: CRITICAL" in out
    assert "sharpe_ratio" in out and "status changes:" in out


def test_thresholds_file_is_applied_and_validated(capsys, files, tmp_path) -> None:
    backtest, live, _ = files
    th = tmp_path / "th.yaml"
    th.write_text("drawdown:\n  warning_percentile: 0.6\n  critical_percentile: 0.7\n")
    code, out, _ = _run(
        capsys, "--expect", str(backtest), "--live", str(live), "--json", "--thresholds", str(th)
    )
    assert code == 0
    dd = next(r for r in json.loads(out)["rules"] if r["name"] == "drawdown")
    assert dd["evidence"]["warning_percentile"] == 0.6
    th.write_text("drawdown:\n  warning_percentile: 0.9\n  critical_percentile: 0.8\n")
    code, _, err = _run(
        capsys, "--expect", str(backtest), "--live", str(live), "--thresholds", str(th)
    )
    assert code == 2
    assert "Warning percentile" in err and "Critical percentile" in err


def test_bad_csv_exits_2_with_the_place(capsys, files, tmp_path) -> None:
    backtest, _, _ = files
    bad = tmp_path / "bad.csv"
    bad.write_text("ts,return\n2024-01-01,0.01\n2024-01-02,oops\n")
    code, out, err = _run(capsys, "--expect", str(backtest), "--live", str(bad))
    assert code == 2 and out == ""
    assert "bad.csv" in err and "line 3" in err and "'return'" in err


def _main(capsys, *argv: str) -> tuple[int, str, str]:
    """Through the real command line (perfdesk.cli.main), as a user types it."""
    from perfdesk import cli

    code = cli.main(["analyze", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def _days(n: int, start: str = "2022-01-01") -> list[str]:
    return [str(np.datetime64(start) + np.timedelta64(i, "D")) for i in range(n)]


def _csv(path: Path, column: str, values, days=None) -> Path:
    days = days or _days(len(values))
    path.write_text(
        f"ts,{column}\n" + "".join(f"{d},{float(v)!r}\n" for d, v in zip(days, values, strict=True))
    )
    return path


@pytest.mark.parametrize(
    ("name", "column", "values", "words"),
    [
        ("flat.csv", "return", [0.0] * 300, "line 2, column 'return': all 300 daily returns"),
        ("flateq.csv", "equity", [100.0] * 300, "line 2, column 'equity': all 299 daily returns"),
        ("huge.csv", "return", [0.01, 1e300] * 150, "line 3, column 'return': the daily return"),
        ("wild.csv", "equity", [1e-300, 1e300] * 150, "line 3, column 'equity': the daily return"),
        ("big.csv", "return", [9.0, 0.01, -0.01] * 100, "annual_return = "),
    ],
)
def test_hostile_backtests_exit_2_with_the_place(
    capsys, files, tmp_path, name, column, values, words
) -> None:
    _, live, _ = files
    bad = _csv(tmp_path / name, column, values)
    code, out, err = _main(capsys, "--expect", str(bad), "--live", str(live))
    assert (code, out) == (2, "")
    assert err.startswith(f"perfdesk analyze: {bad}: ")
    assert words in err and "Traceback" not in err


def test_hostile_live_files_exit_2_or_judge(capsys, files, tmp_path) -> None:
    backtest, _, _ = files
    huge = _csv(tmp_path / "huge.csv", "return", [0.01, 1e300] * 30)
    code, _, err = _main(capsys, "--expect", str(backtest), "--live", str(huge))
    assert code == 2 and f"{huge}: line 3, column 'return'" in err
    flat = _csv(tmp_path / "flat.csv", "return", [0.0] * 60)
    code, out, _ = _main(capsys, "--expect", str(backtest), "--live", str(flat), "--json")
    assert code == 0 and json.loads(out)["status"] in {"ok", "warning", "critical"}


def test_a_latin1_file_names_the_file_line_and_column(capsys, files, tmp_path) -> None:
    backtest, _, _ = files
    latin = tmp_path / "latin.csv"
    latin.write_bytes("ts,return\n2023-06-01,0.01\n2023-06-02,0.01 €\n".encode("cp1252"))
    code, _, err = _main(capsys, "--expect", str(backtest), "--live", str(latin))
    assert code == 2
    assert f"{latin}: line 3, column 'return': byte 0x80" in err
    th = tmp_path / "th.yaml"
    th.write_bytes("# réglages\n".encode("latin-1"))
    code, _, err = _main(
        capsys, "--expect", str(backtest), "--live", str(backtest), "--thresholds", str(th)
    )
    assert code == 2 and f"{th}: byte 0xe9 at character 4 of line 1" in err


def test_yyyymmdd_dates_are_not_read_as_1970(capsys, files, tmp_path) -> None:
    backtest, _, _ = files
    days = [d.replace("-", "") for d in _days(60, "2023-06-01")]
    ymd = _csv(tmp_path / "ymd.csv", "return", [0.001, -0.002, 0.0015] * 20, days)
    code, out, _ = _main(capsys, "--expect", str(backtest), "--live", str(ymd), "--json")
    assert code == 0
    assert json.loads(out)["ts"].startswith("2023-07-30")


def test_an_ambiguous_ts_column_is_refused_unless_its_format_is_named(
    capsys, files, tmp_path
) -> None:
    backtest, _, _ = files
    seconds = [str(i * 86_400) for i in range(60)]
    early = _csv(tmp_path / "early.csv", "return", [0.001, -0.002, 0.0015] * 20, seconds)
    code, _, err = _main(capsys, "--expect", str(backtest), "--live", str(early))
    assert code == 2 and "line 2, column 'ts'" in err and "--ts-format" in err
    # --ts-format names the format of both files
    lines = backtest.read_text().splitlines()
    epoch = tmp_path / "bt_epoch.csv"
    epoch.write_text("\n".join([lines[0]] + [_epoch_row(line) for line in lines[1:]]) + "\n")
    code, out, _ = _main(
        capsys, "--expect", str(epoch), "--live", str(early), "--json", "--ts-format", "epoch_s"
    )
    assert code == 0 and json.loads(out)["ts"].startswith("1970-03-01")


def _epoch_row(line: str) -> str:
    day, value = line.split(",")
    return f"{int(np.datetime64(day, 's').astype(np.int64))},{value}"
