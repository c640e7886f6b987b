"""Read a backtest (or live) CSV of `ts,equity` or `ts,return` into daily returns.

The header may name the time column ts, date, time, timestamp or datetime and the value
column equity, nav or balance (an equity curve) or return or returns, in any case;
problems are reported under the file's own column names.

Pure parsing, no file-system policy: `read_csv(path)` opens the file, `parse_csv(text)`
does the work. Every problem is reported with its line (1 = the header) and column and
what was expected; up to `MAX_ISSUES` problems are collected before giving up, so a user
fixes a file in one pass. Timestamps are read by `analytics.timestamps` (ISO 8601, YYYYMMDD,
epoch s/ms/µs/ns; one format per column, detected or named; ambiguous ones refused).
Several rows on one UTC day are compounded to one daily return.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from perfdesk.analytics import timestamps
from perfdesk.analytics.timestamps import TsFormat
from perfdesk.domain.expectations import MAX_DAILY_RETURN

MAX_ISSUES = 20
MIN_RETURN_VARIANCE = 1e-14
"""A backtest whose daily returns vary less (σ < 0.00001 %) is flat: no risk to compare to."""
Kind = Literal["equity", "return"]


@dataclass(frozen=True, slots=True)
class Issue:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column!r}: {self.message}"


class BacktestImportError(ValueError):
    """Bad input; `issues` lists every problem found (line, column, message)."""

    def __init__(self, source: str, issues: list[Issue]) -> None:
        self.source, self.issues = source, issues
        more = "" if len(issues) < MAX_ISSUES else f"\n  (stopped after {MAX_ISSUES} problems)"
        super().__init__(f"{source}: " + "\n  ".join(str(i) for i in issues) + more)

    def naming(self, columns: dict[str, str]) -> BacktestImportError:
        """The same problems, their columns called as the file's header calls them."""
        named = [Issue(i.line, columns.get(i.column, i.column), i.message) for i in self.issues]
        return BacktestImportError(self.source, named)


@dataclass(frozen=True, slots=True)
class DailySeries:
    """Daily simple returns with their UTC dates; `kind` says what the file held."""

    dates: npt.NDArray[np.datetime64]
    returns: npt.NDArray[np.float64]
    kind: Kind
    rows: int


def read_csv(
    path: str | Path,
    *,
    min_days: int = 30,
    max_gap_days: float = 10.0,
    ts_format: TsFormat | None = None,
) -> DailySeries:
    """Read and parse a CSV file (UTF-8). Raises BacktestImportError or OSError."""
    p = Path(path)
    return parse_csv(
        decode(p.read_bytes(), str(p)),
        source=str(p),
        min_days=min_days,
        max_gap_days=max_gap_days,
        ts_format=ts_format,
    )


def decode(data: bytes, source: str) -> str:
    """UTF-8 text (a BOM is dropped), or a BacktestImportError naming the bad byte's place."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = text_position(data, exc.start)[0]
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        field = data.count(b",", line_start, exc.start)
        header = data[: data.find(b"\n")].decode("ascii", "replace").split(",")
        column = header[field].strip() if field < len(header) and line > 1 else "-"
        raise BacktestImportError(source, [Issue(line, column, not_utf8(data, exc))]) from None


def text_position(data: bytes, offset: int) -> tuple[int, int]:
    """(line, character) of a byte offset, both counted from 1."""
    return data.count(b"\n", 0, offset) + 1, offset - (data.rfind(b"\n", 0, offset) + 1) + 1


def not_utf8(data: bytes, exc: UnicodeDecodeError) -> str:
    """What is wrong with undecodable bytes, with a hint."""
    line, char = text_position(data, exc.start)
    return (
        f"byte 0x{data[exc.start]:02x} at character {char} of line {line} is not UTF-8 "
        "(a Latin-1 or Windows export?); save the file as UTF-8"
    )


def parse_csv(
    text: str,
    *,
    source: str = "<csv>",
    min_days: int = 30,
    max_gap_days: float = 10.0,
    ts_format: TsFormat | None = None,
) -> DailySeries:
    rows = _read_rows(text, source)
    kind = _header(rows, source)
    try:
        return _parse_rows(
            rows, kind, source, min_days=min_days, max_gap_days=max_gap_days, ts_format=ts_format
        )
    except BacktestImportError as exc:
        names = [c.strip() for c in rows[0]]
        raise exc.naming({"ts": names[0], kind: names[1]}) from None


def _parse_rows(
    rows: list[list[str]],
    kind: Kind,
    source: str,
    *,
    min_days: int,
    max_gap_days: float,
    ts_format: TsFormat | None,
) -> DailySeries:
    """The rows below the header; problems name the columns 'ts' and `kind`."""
    ts, values = _rows(rows, kind, source, ts_format)
    lines = [i for i, r in enumerate(rows[1:], start=2) if r and any(c.strip() for c in r)]
    _check_order(ts, lines, source, max_gap_days)
    dates, returns, rows_of_days = _daily(np.asarray(ts), np.asarray(values), kind)
    _check_returns(dates, returns, [lines[i] for i in rows_of_days], kind, source)
    if returns.size < min_days:
        raise BacktestImportError(
            source,
            [
                Issue(
                    len(rows),
                    "ts",
                    f"too few rows: {returns.size} daily returns, at least {min_days} expected",
                )
            ],
        )
    return DailySeries(dates, returns, kind, len(rows) - 1)


def _read_rows(text: str, source: str) -> list[list[str]]:
    """The CSV's rows; a row the csv module cannot split (a field over its 128 KiB limit)
    is a BacktestImportError at that line."""
    reader = csv.reader(io.StringIO(text))
    try:
        return list(reader)
    except csv.Error as exc:
        raise BacktestImportError(
            source, [Issue(reader.line_num, "-", f"unreadable CSV row: {exc}")]
        ) from None


TIME_COLUMNS = ("ts", "date", "time", "timestamp", "datetime")
"""Names the time column may have (any case): what backtest tools and pandas write."""
VALUE_COLUMNS: dict[str, Kind] = {
    "equity": "equity", "nav": "equity", "balance": "equity",
    "return": "return", "returns": "return",
}  # fmt: skip
"""Names of the value column (any case) and what each holds."""
EXPECTED_HEADER = (
    "expected two columns: the time (ts, date, time, timestamp or datetime) and "
    "equity (equity, nav or balance) or returns (return or returns), e.g. 'ts,equity'"
)


def _header(rows: list[list[str]], source: str) -> Kind:
    if not rows:
        raise BacktestImportError(source, [Issue(1, "-", f"empty file; {EXPECTED_HEADER}")])
    cols = [c.strip().lower() for c in rows[0]]
    if len(cols) != 2 or cols[0] not in TIME_COLUMNS or cols[1] not in VALUE_COLUMNS:
        got = ",".join(rows[0]) or "-"
        raise BacktestImportError(source, [Issue(1, got, f"wrong columns; {EXPECTED_HEADER}")])
    return VALUE_COLUMNS[cols[1]]


def _rows(
    rows: list[list[str]], kind: Kind, source: str, ts_format: TsFormat | None
) -> tuple[list[float], list[float]]:
    cells: list[tuple[int, str]] = []
    values: list[float] = []
    issues: list[Issue] = []
    for line, row in enumerate(rows[1:], start=2):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != 2:
            issues.append(Issue(line, "-", f"{len(row)} fields; expected 2 (ts,{kind})"))
        else:
            cells.append((line, row[0]))
            if (value := _value(line, row[1], kind, issues)) is not None:
                values.append(value)
        if len(issues) >= MAX_ISSUES:
            break
    ts = _timestamps(cells, ts_format, issues)
    if issues:
        raise BacktestImportError(source, sorted(issues, key=lambda i: i.line)[:MAX_ISSUES])
    return ts, values


def _timestamps(
    cells: list[tuple[int, str]], ts_format: TsFormat | None, issues: list[Issue]
) -> list[float]:
    """The ts column in POSIX seconds (one format for the column), or [] after adding issues."""
    try:
        return timestamps.parse_column(cells, ts_format).seconds
    except timestamps.TimestampError as exc:
        issues.extend(Issue(i.line, "ts", i.message) for i in exc.issues)
        return []


def _value(line: int, text: str, kind: Kind, issues: list[Issue]) -> float | None:
    """The row's value, or None after appending what is wrong with it to `issues`."""
    v = _number(text.strip())
    if v is None:
        issues.append(Issue(line, kind, f"{text!r} is not a finite number"))
    elif kind == "equity" and v <= 0:
        issues.append(Issue(line, kind, f"{v} is not a positive equity"))
    elif kind == "return" and v <= -1:
        issues.append(
            Issue(line, kind, f"{v} is a loss of 100 % or more; expected a simple return > -1")
        )
    else:
        return v
    return None


def _number(text: str) -> float | None:
    try:
        v = float(text)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def _check_order(ts: list[float], lines: list[int], source: str, max_gap_days: float) -> None:
    issues: list[Issue] = []
    for k in range(1, len(ts)):
        prev, cur = ts[k - 1], ts[k]
        if cur == prev:
            issues.append(
                Issue(
                    lines[k], "ts", f"duplicate timestamp {_fmt(cur)} (same as line {lines[k - 1]})"
                )
            )
        elif cur < prev:
            issues.append(
                Issue(
                    lines[k],
                    "ts",
                    f"{_fmt(cur)} is earlier than line {lines[k - 1]}'s {_fmt(prev)}; "
                    "rows must be sorted by ts",
                )
            )
        elif (cur - prev) / 86_400 > max_gap_days:
            issues.append(
                Issue(
                    lines[k],
                    "ts",
                    f"gap of {(cur - prev) / 86_400:.1f} days after {_fmt(prev)}; "
                    f"at most {max_gap_days:g} expected",
                )
            )
        if len(issues) >= MAX_ISSUES:
            break
    if issues:
        raise BacktestImportError(source, issues)


def _fmt(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


def _check_returns(
    dates: npt.NDArray[np.datetime64],
    returns: npt.NDArray[np.float64],
    lines: list[int],
    kind: Kind,
    source: str,
) -> None:
    """Refuse daily returns no strategy makes (usually prices, per cent or a unit slip)."""
    bad = np.flatnonzero(~(np.abs(returns) <= MAX_DAILY_RETURN))
    issues = [
        Issue(
            lines[k],
            kind,
            f"the daily return on {dates[k]} is {returns[k]:.4g}, beyond ±{MAX_DAILY_RETURN:g} "
            f"(±{MAX_DAILY_RETURN:.0%}); is the column in per cent, or are rows missing?",
        )
        for k in bad[:MAX_ISSUES]
    ]
    if issues:
        raise BacktestImportError(source, issues)


def _daily(
    ts: npt.NDArray[np.float64], values: npt.NDArray[np.float64], kind: Kind
) -> tuple[npt.NDArray[np.datetime64], npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Group by UTC day: the day's last equity (→ close-to-close returns) or compounded
    returns; also the index of the row each daily return was taken at (its day's last)."""
    days = np.floor(ts / 86_400).astype(np.int64)
    last = (
        np.r_[np.flatnonzero(np.diff(days)), days.size - 1] if days.size else np.empty(0, np.int64)
    )
    uniq = days[last]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if kind == "equity":
            closes = values[last]
            return uniq[1:].astype("datetime64[D]"), closes[1:] / closes[:-1] - 1.0, last[1:]
        growth = np.zeros(uniq.size)
        np.add.at(growth, np.searchsorted(uniq, days), np.log1p(values))
        return uniq.astype("datetime64[D]"), np.expm1(growth), last


def require_varying(series: DailySeries, source: str) -> DailySeries:
    """The series, if its daily returns vary: a constant backtest has no risk to compare to."""
    r = series.returns
    if r.size and float(np.var(r)) < MIN_RETURN_VARIANCE:
        column = "equity" if series.kind == "equity" else "return"
        raise BacktestImportError(
            source,
            [
                Issue(
                    2,
                    column,
                    f"all {r.size} daily returns are about {r[0]:.4g} (a flat series); a backtest "
                    "needs varying returns to give a profile to compare against",
                )
            ],
        )
    return series
