"""What every backtest format shares: the rows a parser extracted (with the lines they
came from), recognising calendar-day series, and the daily series through
`backtest_import.parse_csv` (so ordering, gaps and minimum length are checked once).

Dates are read by analytics/timestamps.py (the one strict parser: ISO dates/datetimes,
naive = UTC, `YYYYMMDD`, epoch s/ms/µs/ns) plus `parse_when` for the few extra forms
these tools write.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from perfdesk.analytics.backtest_import import (
    BacktestImportError,
    DailySeries,
    Issue,
    Kind,
    parse_csv,
)
from perfdesk.analytics.timestamps import parse_one

MIN_WEEKEND_ROWS = 8
"""Weekend rows needed before a series is judged calendar-day (zero-return weekends)."""


@dataclass
class Extracted:
    """Rows read from a file: POSIX seconds, values, and the file line of each."""

    kind: Kind
    read: str
    """What the parser read, for the user: `strategy.X.daily_profit + starting_balance`."""
    ts: list[float] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, ts: float, value: float, line: int) -> None:
        self.ts.append(ts)
        self.values.append(value)
        self.lines.append(line)


@dataclass(frozen=True)
class FormatResult:
    series: DailySeries
    read: str
    notes: tuple[str, ...]


def parse_when(text: str) -> float | None:
    """POSIX seconds of a date as these tools write it (also `2024-01-31 00:00:00+0000`
    and milliseconds since the epoch)."""
    text = text.strip()
    t = parse_one(text)
    if t is not None:
        return t
    try:
        num = float(text)
    except ValueError:
        num = None
    if num is not None and 1e11 <= num < 1e14:  # epoch milliseconds
        return num / 1000.0
    for fmt in ("%Y-%m-%d %H:%M:%S%z", "%Y%m%d", "%m/%d/%Y"):
        try:
            when = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()
    return None


def refuse(source: str, line: int, column: str, message: str) -> BacktestImportError:
    return BacktestImportError(source, [Issue(line, column, message)])


def _weekday(ts: float) -> int:
    return datetime.fromtimestamp(ts, UTC).weekday()


def _flat_share(ex: Extracted, rows: list[int]) -> float:
    """The share of `rows` with a zero return (or an unchanged equity)."""
    if not rows:
        return 0.0
    if ex.kind == "return":
        flat = sum(ex.values[i] == 0.0 for i in rows)
    else:
        flat = sum(i > 0 and ex.values[i] == ex.values[i - 1] for i in rows)
    return flat / len(rows)


def drop_zero_weekends(ex: Extracted) -> None:
    """A calendar-day series (weekend rows whose return is exactly zero, or whose equity
    equals the day before) keeps trading days only, so a year is 252 periods."""
    weekend = [i for i, t in enumerate(ex.ts) if _weekday(t) >= 5]
    if len(weekend) < MIN_WEEKEND_ROWS:
        return
    if _flat_share(ex, weekend) < 1.0:
        return
    weekdays = [i for i in range(len(ex.ts)) if _weekday(ex.ts[i]) < 5]
    if _flat_share(ex, weekdays) > 0.5:  # a sparse strategy, not a closed market
        return
    keep = [i for i in range(len(ex.ts)) if _weekday(ex.ts[i]) < 5]
    ex.ts = [ex.ts[i] for i in keep]
    ex.values = [ex.values[i] for i in keep]
    ex.lines = [ex.lines[i] for i in keep]
    ex.notes.append(
        f"calendar-day series: {len(weekend)} weekend rows with zero return dropped "
        "(trading days only, 252 a year)"
    )


def to_series(ex: Extracted, source: str, *, min_days: int = 30) -> FormatResult:
    """The daily series of what was extracted; problems name the file's own lines."""
    if not ex.ts:
        raise refuse(source, 1, "-", f"no rows found (looked for {ex.read})")
    drop_zero_weekends(ex)
    canonical = f"ts,{ex.kind}\n" + "".join(
        f"{t!r},{v!r}\n" for t, v in zip(ex.ts, ex.values, strict=True)
    )
    try:
        series = parse_csv(canonical, source=source, min_days=min_days)
    except BacktestImportError as exc:
        issues = [Issue(_line(ex, i.line), i.column, i.message) for i in exc.issues]
        raise BacktestImportError(source, issues) from None
    return FormatResult(series, ex.read, tuple(ex.notes))


def _line(ex: Extracted, canonical_line: int) -> int:
    """The file's line of a canonical CSV line (line 2 = the first extracted row)."""
    k = canonical_line - 2
    return ex.lines[k] if 0 <= k < len(ex.lines) else canonical_line
