"""CSV import: good files become daily returns; bad ones say line, column and what."""

from __future__ import annotations

import numpy as np
import pytest

from perfdesk.analytics.backtest_import import (
    BacktestImportError,
    parse_csv,
    read_csv,
    require_varying,
)


def _days(n: int, start: str = "2024-01-01") -> list[str]:
    d0 = np.datetime64(start)
    return [str(d0 + np.timedelta64(i, "D")) for i in range(n)]


def test_equity_file_gives_close_to_close_returns(tmp_path) -> None:
    equity = [100.0, 101.0, 99.99, 102.0]
    text = "ts,equity\n" + "".join(f"{d},{e}\n" for d, e in zip(_days(4), equity, strict=True))
    path = tmp_path / "bt.csv"
    path.write_text(text)
    series = read_csv(path, min_days=3)
    assert series.kind == "equity"
    np.testing.assert_allclose(series.returns, np.diff(equity) / equity[:-1])
    assert str(series.dates[0]) == "2024-01-02"


def test_return_file_and_intraday_rows_compound_per_day() -> None:
    text = (
        "TS , Return\n"
        "2024-01-01T10:00:00Z,0.01\n2024-01-01T15:00:00Z,0.02\n"
        "2024-01-02,-0.01\n2024-01-03T00:00:00Z,0.005\n"
    )
    series = parse_csv(text, min_days=3)
    np.testing.assert_allclose(series.returns, [1.01 * 1.02 - 1, -0.01, 0.005])
    assert [str(d) for d in series.dates] == ["2024-01-01", "2024-01-02", "2024-01-03"]


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ("when,equity\n2024-01-01,1\n", 1, "when,equity", "wrong columns"),
        ("ts,price\n2024-01-01,1\n", 1, "ts,price", "wrong columns"),
        ("ts,equity,x\n", 1, "ts,equity,x", "expected two columns"),
        ("", 1, "-", "empty file"),
        ("ts,equity\n2024-01-01,100\n2024-13-01,101\n", 3, "ts", "not a timestamp"),
        ("ts,equity\n2024-01-01,100\n2024-01-02,abc\n", 3, "equity", "not a finite number"),
        ("ts,equity\n2024-01-01,100\n2024-01-02,nan\n", 3, "equity", "not a finite number"),
        ("ts,equity\n2024-01-01,100\n2024-01-02,-5\n", 3, "equity", "not a positive"),
        ("ts,return\n2024-01-01,0.1\n2024-01-02,-1.5\n", 3, "return", "100 %"),
        ("ts,equity\n2024-01-01,100\n2024-01-02,101,7\n", 3, "-", "3 fields"),
        ("ts,equity\n2024-01-02,100\n2024-01-01,101\n", 3, "ts", "earlier than line 2"),
        ("ts,equity\n2024-01-01,100\n2024-01-01,101\n", 3, "ts", "duplicate timestamp"),
        ("ts,equity\n2024-01-01,100\n2024-02-01,101\n", 3, "ts", "gap of 31.0 days"),
    ],
)
def test_bad_input_is_located(text: str, line: int, column: str, words: str) -> None:
    with pytest.raises(BacktestImportError) as err:
        parse_csv(text, min_days=1)
    issue = err.value.issues[0]
    assert (issue.line, issue.column) == (line, column)
    assert words in issue.message
    assert f"line {line}" in str(err.value)


def test_the_header_may_say_date_and_nav_and_problems_use_its_names() -> None:
    """What backtest tools and pandas write ('Date,NAV', 'timestamp,returns') is read; a
    problem names the file's own column, not perfdesk's."""
    days = [f"202401{d:02d}" for d in range(1, 11)]
    text = "Date,NAV\n" + "".join(f"{d},{100 + i}\n" for i, d in enumerate(days))
    series = parse_csv(text, min_days=5)
    assert series.kind == "equity" and series.returns.size == 9
    returns = parse_csv("timestamp,Returns\n2024-01-01,0.01\n2024-01-02,0.02\n", min_days=1)
    assert returns.kind == "return" and returns.returns.tolist() == [0.01, 0.02]
    with pytest.raises(BacktestImportError) as err:
        parse_csv("Date,NAV\n20240101,100\n20240102,abc\n20240101,99\n", min_days=1)
    assert {(i.line, i.column) for i in err.value.issues} >= {(3, "NAV")}
    assert "column 'NAV'" in str(err.value) and "column 'equity'" not in str(err.value)


def test_too_few_rows() -> None:
    text = "ts,return\n" + "".join(f"{d},0.001\n" for d in _days(10))
    with pytest.raises(BacktestImportError, match="too few rows: 10 daily returns, at least 30"):
        parse_csv(text, min_days=30)


def test_all_bad_rows_are_reported_at_once() -> None:
    text = "ts,equity\n2024-01-01,x\n2024-01-02,y\nnope,100\n"
    with pytest.raises(BacktestImportError) as err:
        parse_csv(text, min_days=1)
    assert [(i.line, i.column) for i in err.value.issues] == [
        (2, "equity"),
        (3, "equity"),
        (4, "ts"),
    ]


def test_a_yyyymmdd_file_keeps_its_sixty_days(tmp_path) -> None:
    days = [d.replace("-", "") for d in _days(60)]
    path = tmp_path / "ymd.csv"
    path.write_text("ts,return\n" + "".join(f"{d},0.001\n" for d in days))
    series = read_csv(path, min_days=30)
    assert series.returns.size == 60
    assert (str(series.dates[0]), str(series.dates[-1])) == ("2024-01-01", "2024-02-29")


def test_a_column_mixing_formats_is_refused_at_the_first_odd_row() -> None:
    text = "ts,return\n2024-01-01,0.01\n2024-01-02,0.01\n1704240000,0.01\n"
    with pytest.raises(BacktestImportError) as err:
        parse_csv(text, min_days=1)
    issue = err.value.issues[0]
    assert (issue.line, issue.column) == (4, "ts")
    assert "epoch seconds but line 2 is an ISO 8601" in issue.message


def test_timestamp_and_value_problems_of_one_row_are_both_reported() -> None:
    with pytest.raises(BacktestImportError) as err:
        parse_csv("ts,return\n2024-01-01,0.01\n01/02/2024,x\n", min_days=1)
    assert [(i.line, i.column) for i in err.value.issues] == [(3, "return"), (3, "ts")]


def test_epoch_files_at_the_edges(tmp_path) -> None:
    def read(name: str, body: str, **kw):
        path = tmp_path / name
        path.write_text("ts,return\n" + body)
        return read_csv(path, **kw)

    ms = [str(1_700_000_000_000 + i * 86_400_000) for i in range(40)]
    series = read("ms.csv", "".join(f"{t},0.001\n" for t in ms), min_days=30)
    assert str(series.dates[0]) == "2023-11-14"
    early = read("1970.csv", "0,0.001\n86400,0.002\n", min_days=2, ts_format="epoch_s")
    assert [str(d) for d in early.dates] == ["1970-01-01", "1970-01-02"]
    late = read("9999.csv", "9999-12-30,0.001\n9999-12-31T23:59:59Z,0.002\n", min_days=2)
    assert [str(d) for d in late.dates] == ["9999-12-30", "9999-12-31"]
    ymd = read("ymd1970.csv", "19700101,0.001\n19700102,0.002\n", min_days=2)
    assert str(ymd.dates[0]) == "1970-01-01"
    with pytest.raises(BacktestImportError, match=r"line 3, column 'ts'.*one format"):
        read("mixed.csv", "2024-01-01,0.001\n20240102,0.002\n", min_days=1)


def test_a_latin1_file_is_refused_with_its_line_and_column(tmp_path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("ts,return\n2024-01-01,0.01\n2024-01-02,caf\xe9\n".encode("latin-1"))
    with pytest.raises(BacktestImportError) as err:
        read_csv(path, min_days=1)
    issue = err.value.issues[0]
    assert (issue.line, issue.column) == (3, "return")
    assert "byte 0xe9 at character 15 of line 3 is not UTF-8" in issue.message
    assert str(path) in str(err.value)


@pytest.mark.parametrize(
    ("rows", "line", "column"),
    [
        ("2024-01-01,0.01\n2024-01-02,1e300\n", 3, "return"),
        ("2024-01-01,0.01\n2024-01-02,10.5\n", 3, "return"),
        ("2024-01-01,1e-300\n2024-01-02,1e300\n", 3, "equity"),
    ],
)
def test_extreme_daily_returns_are_refused_with_their_line(rows, line, column) -> None:
    header = f"ts,{column}\n"
    with pytest.raises(BacktestImportError) as err:
        parse_csv(header + rows, min_days=1)
    issue = err.value.issues[0]
    assert (issue.line, issue.column) == (line, column)
    assert "beyond ±10" in issue.message


def test_extreme_but_allowed_returns_are_kept() -> None:
    series = parse_csv("ts,return\n2024-01-01,9.5\n2024-01-02,-0.999\n", min_days=1)
    np.testing.assert_allclose(series.returns, [9.5, -0.999])


def test_a_flat_backtest_is_refused() -> None:
    flat = parse_csv("ts,equity\n" + "".join(f"{d},100\n" for d in _days(40)), min_days=30)
    with pytest.raises(BacktestImportError, match="all 39 daily returns are about 0"):
        require_varying(flat, "flat.csv")
    varying = parse_csv(
        "ts,return\n" + "".join(f"{d},{0.001 * (i % 3)}\n" for i, d in enumerate(_days(40))),
        min_days=30,
    )
    assert require_varying(varying, "ok.csv") is varying


def test_a_row_the_csv_module_cannot_read_is_located() -> None:
    text = "ts,return\n2024-01-01,0.01\n2024-01-02," + "1" * 200_000 + "\n"
    with pytest.raises(BacktestImportError) as err:
        parse_csv(text, min_days=1)
    assert err.value.issues[0].line == 3
    assert "unreadable CSV row: field larger than field limit" in err.value.issues[0].message
