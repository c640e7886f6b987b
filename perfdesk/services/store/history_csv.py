"""CSV files of a strategy's history for `perfdesk import` (store/backfill.py).

Equity: a header with `ts,equity` and optionally `realized_pnl`, `unrealized_pnl`,
`position_value` (default 0). Fills: `ts,side,qty,price` and optionally `fee` (0),
`expected_price` (empty = not sent), `order_id` (default `import-<line>`), `symbol`.
Timestamps are ISO 8601 (naive = UTC) or POSIX seconds. Every problem is reported with
its file, line (1 = the header) and column; up to MAX_ISSUES are collected so a file is
fixed in one pass. Nothing is stored unless both files parse.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from perfdesk.services.store.backfill import Fills, History

MAX_ISSUES = 20
EQUITY_REQUIRED = ("ts", "equity")
EQUITY_OPTIONAL = ("realized_pnl", "unrealized_pnl", "position_value")
FILL_REQUIRED = ("ts", "side", "qty", "price")
FILL_OPTIONAL = ("fee", "expected_price", "order_id", "symbol")


class HistoryCsvError(ValueError):
    """Bad input; the message lists every problem found (file, line, column, what)."""


def _unix_us(text: str) -> int:
    try:
        seconds = float(text)
    except ValueError:
        when = datetime.fromisoformat(text.strip())
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        delta = when - datetime(1970, 1, 1, tzinfo=UTC)
        return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    if not math.isfinite(seconds):
        raise ValueError("not a finite number of seconds")
    return round(seconds * 1e6)


def _number(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    return value


def _side(text: str) -> float:
    side = text.strip().lower()
    if side not in ("buy", "sell"):
        raise ValueError("expected buy or sell")
    return 1.0 if side == "buy" else -1.0


class _Reader:
    """Rows of one CSV file as dicts, with problems collected per line and column."""

    def __init__(self, path: Path, required: tuple[str, ...], optional: tuple[str, ...]):
        self.path = path
        self.issues: list[str] = []
        self._text = path.read_text(encoding="utf-8-sig")
        reader = csv.reader(self._text.splitlines())
        header = [h.strip() for h in next(reader, [])]
        missing = [c for c in required if c not in header]
        unknown = [c for c in header if c not in required + optional]
        if missing or unknown:
            raise HistoryCsvError(
                f"{path}: line 1: columns {header} — missing {missing}, unknown {unknown};"
                f" expected {list(required)} and optionally {list(optional)}"
            )
        self.header = header
        self._rows = reader

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        for line, row in enumerate(self._rows, start=2):
            if not row or all(not c.strip() for c in row):
                continue
            if len(row) != len(self.header):
                self.problem(line, "*", f"{len(row)} fields, the header has {len(self.header)}")
                continue
            yield line, dict(zip(self.header, row, strict=True))

    def value(self, line: int, row: dict[str, str], column: str, parse: Callable[[str], Any],
              default: Any = None) -> Any:  # fmt: skip
        text = row.get(column, "")
        if column not in row or (default is not None and not text.strip()):
            return default
        try:
            return parse(text)
        except ValueError as exc:
            self.problem(line, column, f"{text!r}: {exc}")
            return default if default is not None else 0

    def problem(self, line: int, column: str, message: str) -> None:
        self.issues.append(f"{self.path}: line {line}, column {column!r}: {message}")
        if len(self.issues) >= MAX_ISSUES:
            raise HistoryCsvError("\n  ".join([*self.issues, f"(stopped after {MAX_ISSUES})"]))


def read_history(equity_csv: Path, fills_csv: Path | None = None) -> History:
    """Parse the equity CSV (and the fills CSV); raises HistoryCsvError or OSError."""
    r = _Reader(equity_csv, EQUITY_REQUIRED, EQUITY_OPTIONAL)
    cols: dict[str, list[Any]] = {c: [] for c in ("ts", "equity", *EQUITY_OPTIONAL)}
    for line, row in r.rows():
        cols["ts"].append(r.value(line, row, "ts", _unix_us))
        cols["equity"].append(r.value(line, row, "equity", _number))
        for c in EQUITY_OPTIONAL:
            cols[c].append(r.value(line, row, c, _number, 0.0))
    fills = _read_fills(fills_csv, r.issues) if fills_csv is not None else None
    if r.issues:
        raise HistoryCsvError("\n  ".join(r.issues))
    floats = {c: np.array(cols[c], dtype=np.float64) for c in ("equity", *EQUITY_OPTIONAL)}
    return History(
        ts_us=np.array(cols["ts"], dtype=np.int64),
        equity=floats["equity"],
        realized_pnl=floats["realized_pnl"],
        unrealized_pnl=floats["unrealized_pnl"],
        position_value=floats["position_value"],
        fills=fills,
    )


def _read_fills(path: Path, issues: list[str]) -> Fills:
    r = _Reader(path, FILL_REQUIRED, FILL_OPTIONAL)
    r.issues = issues
    cols: dict[str, list[Any]] = {c: [] for c in FILL_REQUIRED + FILL_OPTIONAL}
    for line, row in r.rows():
        cols["ts"].append(r.value(line, row, "ts", _unix_us))
        cols["side"].append(r.value(line, row, "side", _side))
        cols["qty"].append(r.value(line, row, "qty", _number))
        cols["price"].append(r.value(line, row, "price", _number))
        cols["fee"].append(r.value(line, row, "fee", _number, 0.0))
        cols["expected_price"].append(r.value(line, row, "expected_price", _number, math.nan))
        cols["order_id"].append(row.get("order_id", "").strip() or f"import-{line}")
        cols["symbol"].append(row.get("symbol", "").strip())
    floats = {
        c: np.array(cols[c], dtype=np.float64)
        for c in ("side", "qty", "price", "fee", "expected_price")
    }
    return Fills(
        ts_us=np.array(cols["ts"], dtype=np.int64),
        side=floats["side"],
        qty=floats["qty"],
        price=floats["price"],
        fee=floats["fee"],
        expected=floats["expected_price"],
        order_id=cols["order_id"],
        symbol=cols["symbol"],
    )
