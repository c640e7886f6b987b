"""A CSV table of dated rows, as pandas' `to_csv` writes it (the index first)."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence

from perfdesk.analytics.backtest_formats._common import Extracted, parse_when, refuse
from perfdesk.analytics.backtest_import import BacktestImportError, Issue, Kind

DATE_NAMES = ("date", "datetime", "time", "timestamp", "index", "period_close", "ts_event", "")


class Table:
    def __init__(self, text: str, source: str) -> None:
        self.source = source
        rows = list(csv.reader(io.StringIO(text)))
        if not rows:
            raise refuse(source, 1, "-", "empty file")
        self.header = [c.strip() for c in rows[0]]
        self.rows = rows[1:]
        self._lower = [c.lower() for c in self.header]

    def find(self, names: Sequence[str]) -> int | None:
        for name in names:
            if name in self._lower:
                return self._lower.index(name)
        return None

    def need(self, names: Sequence[str], what: str) -> int:
        col = self.find(names)
        if col is None:
            raise refuse(
                self.source,
                1,
                ",".join(self.header),
                f"no {what} column; expected one of {', '.join(repr(n) for n in names if n)}",
            )
        return col

    def date_column(self) -> int:
        col = self.find(DATE_NAMES)
        return 0 if col is None else col

    def extract(self, value_col: int, kind: Kind, read: str, *, log: bool = False) -> Extracted:
        """Each row's (date, value); every unreadable row is refused with its line."""
        date_col = self.date_column()
        ex = Extracted(kind, read)
        issues: list[Issue] = []
        for line, row in enumerate(self.rows, start=2):
            if not row or all(not c.strip() for c in row):
                continue
            if len(row) <= max(date_col, value_col):
                issues.append(Issue(line, "-", f"{len(row)} fields; {len(self.header)} expected"))
                continue
            when = parse_when(row[date_col])
            value = _number(row[value_col])
            if when is None:
                issues.append(
                    Issue(
                        line, self.header[date_col] or "index", f"{row[date_col]!r} is not a date"
                    )
                )
            if value is None:
                issues.append(
                    Issue(
                        line, self.header[value_col], f"{row[value_col]!r} is not a finite number"
                    )
                )
            if when is not None and value is not None:
                ex.add(when, math.expm1(value) if log else value, line)
            if len(issues) >= 20:
                break
        if issues:
            raise BacktestImportError(self.source, issues)
        return ex

    def name(self, col: int) -> str:
        return self.header[col] or "(index)"


def _number(text: str) -> float | None:
    try:
        v = float(text.strip().rstrip("%")) / (100.0 if text.strip().endswith("%") else 1.0)
    except ValueError:
        return None
    return v if math.isfinite(v) else None
