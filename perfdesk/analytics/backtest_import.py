"""Read a backtest (or live) CSV of `ts,equity` or `ts,return` into daily returns.

Pure parsing, no file-system policy: `read_csv(path)` opens the file, `parse_csv(text)`
does the work. Every problem is reported with its line (1 = the header) and column and
what was expected; up to `MAX_ISSUES` problems are collected before giving up, so a user
fixes a file in one pass. Timestamps are ISO 8601 dates/datetimes (naive = UTC) or POSIX
seconds. Several rows on one UTC day are compounded to one daily return.
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

MAX_ISSUES = 20
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


@dataclass(frozen=True, slots=True)
class DailySeries:
    """Daily simple returns with their UTC dates; `kind` says what the file held."""

    dates: npt.NDArray[np.datetime64]
    returns: npt.NDArray[np.float64]
    kind: Kind
    rows: int


def read_csv(path: str | Path, *, min_days: int = 30, max_gap_days: float = 10.0) -> DailySeries:
    """Read and parse a CSV file (UTF-8). Raises BacktestImportError or OSError."""
    p = Path(path)
    return parse_csv(
        p.read_text(encoding="utf-8-sig"),
        source=str(p),
        min_days=min_days,
        max_gap_days=max_gap_days,
    )


def parse_csv(
    text: str, *, source: str = "<csv>", min_days: int = 30, max_gap_days: float = 10.0
) -> DailySeries:
    rows = list(csv.reader(io.StringIO(text)))
    kind = _header(rows, source)
    ts, values = _rows(rows, kind, source)
    _check_order(ts, rows, source, max_gap_days)
    dates, returns = _daily(np.asarray(ts), np.asarray(values), kind)
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


def _header(rows: list[list[str]], source: str) -> Kind:
    if not rows:
        raise BacktestImportError(
            source, [Issue(1, "-", "empty file; expected a header 'ts,equity' or 'ts,return'")]
        )
    cols = [c.strip().lower() for c in rows[0]]
    if len(cols) != 2 or cols[0] != "ts" or cols[1] not in ("equity", "return"):
        raise BacktestImportError(
            source,
            [
                Issue(
                    1,
                    ",".join(rows[0]) or "-",
                    "wrong columns; expected exactly 'ts,equity' or 'ts,return'",
                )
            ],
        )
    return "equity" if cols[1] == "equity" else "return"


def _rows(rows: list[list[str]], kind: Kind, source: str) -> tuple[list[float], list[float]]:
    ts: list[float] = []
    values: list[float] = []
    issues: list[Issue] = []
    for line, row in enumerate(rows[1:], start=2):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != 2:
            issues.append(Issue(line, "-", f"{len(row)} fields; expected 2 (ts,{kind})"))
        elif (parsed := _row(line, row, kind, issues)) is not None:
            ts.append(parsed[0])
            values.append(parsed[1])
        if len(issues) >= MAX_ISSUES:
            break
    if issues:
        raise BacktestImportError(source, issues)
    return ts, values


def _row(line: int, row: list[str], kind: Kind, issues: list[Issue]) -> tuple[float, float] | None:
    """The row's (ts, value), or None after appending what is wrong with it to `issues`."""
    before = len(issues)
    t = parse_ts(row[0].strip())
    v = _number(row[1].strip())
    if t is None:
        issues.append(
            Issue(
                line,
                "ts",
                f"{row[0]!r} is not a timestamp; expected ISO 8601 "
                "(2024-01-31 or 2024-01-31T16:00:00Z) or POSIX seconds",
            )
        )
    if v is None:
        issues.append(Issue(line, kind, f"{row[1]!r} is not a finite number"))
    elif kind == "equity" and v <= 0:
        issues.append(Issue(line, kind, f"{v} is not a positive equity"))
    elif kind == "return" and v <= -1:
        issues.append(
            Issue(line, kind, f"{v} is a loss of 100 % or more; expected a simple return > -1")
        )
    if t is None or v is None or len(issues) > before:
        return None
    return t, v


def parse_ts(text: str) -> float | None:
    """POSIX seconds of an ISO 8601 date/datetime (naive = UTC) or of a number; else None."""
    num = _number(text)
    if num is not None:
        return num if 0 <= num < 1e11 else None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


def _number(text: str) -> float | None:
    try:
        v = float(text)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def _check_order(ts: list[float], rows: list[list[str]], source: str, max_gap_days: float) -> None:
    issues: list[Issue] = []
    lines = [i for i, r in enumerate(rows[1:], start=2) if r and any(c.strip() for c in r)]
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


def _daily(
    ts: npt.NDArray[np.float64], values: npt.NDArray[np.float64], kind: Kind
) -> tuple[npt.NDArray[np.datetime64], npt.NDArray[np.float64]]:
    """Group by UTC day: the day's last equity (→ close-to-close returns) or compounded returns."""
    days = np.floor(ts / 86_400).astype(np.int64)
    last = (
        np.r_[np.flatnonzero(np.diff(days)), days.size - 1] if days.size else np.empty(0, np.int64)
    )
    uniq = days[last]
    if kind == "equity":
        closes = values[last]
        return uniq[1:].astype("datetime64[D]"), closes[1:] / closes[:-1] - 1.0
    growth = np.zeros(uniq.size)
    np.add.at(growth, np.searchsorted(uniq, days), np.log1p(values))
    return uniq.astype("datetime64[D]"), np.expm1(growth)
