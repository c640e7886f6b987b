"""Read a column of timestamps from a file into POSIX seconds, or say exactly why not.

One format per column, decided from the column as a whole and never guessed silently:

- ISO 8601 dates and datetimes (`2024-01-31`, `2024-01-31 16:00:00`, `…T16:00:00Z`,
  `…+02:00`); a naive datetime is UTC. Naive and zoned datetimes in one column are
  refused (which zone the naive ones are in is a guess).
- `YYYYMMDD` (8 digits forming a valid date; `20240131`). It is taken before epoch
  seconds because 8-digit epoch seconds (1970-1973) are not a plausible export.
- Epoch seconds / milliseconds / microseconds / nanoseconds, told apart by magnitude:
  s in [1e8, 1e11) (1973-03-03 to year 5138), ms in [1e11, 1e14), µs in [1e14, 1e17),
  ns in [1e17, 1e20). Every row must fall in the first row's band. Smaller numbers
  (epoch seconds before 1973, counters, Excel serial days) are ambiguous and refused
  unless the caller names the format.

Anything else (`01/02/2024`: January or February?) is refused with its line and a hint.
Pure, no I/O; the caller passes (line, text) pairs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal

TsFormat = Literal["iso", "yyyymmdd", "epoch_s", "epoch_ms", "epoch_us", "epoch_ns"]
FORMATS: tuple[TsFormat, ...] = ("iso", "yyyymmdd", "epoch_s", "epoch_ms", "epoch_us", "epoch_ns")
MAX_ISSUES = 20

_EPOCH_SCALE: dict[TsFormat, float] = {
    "epoch_s": 1.0,
    "epoch_ms": 1e3,
    "epoch_us": 1e6,
    "epoch_ns": 1e9,
}
_EPOCH_BANDS: tuple[tuple[float, TsFormat], ...] = (
    (1e11, "epoch_s"),
    (1e14, "epoch_ms"),
    (1e17, "epoch_us"),
    (1e20, "epoch_ns"),
)
_SMALLEST_EPOCH = 1e8
_NAMES: dict[TsFormat, str] = {
    "iso": "an ISO 8601 date/time",
    "yyyymmdd": "a YYYYMMDD date",
    "epoch_s": "epoch seconds",
    "epoch_ms": "epoch milliseconds",
    "epoch_us": "epoch microseconds",
    "epoch_ns": "epoch nanoseconds",
}
_YYYYMMDD = re.compile(r"\d{8}")
_ISO_START = re.compile(r"\d{4}-\d{2}-\d{2}([T ]|$)")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_HINT = (
    "write ISO 8601 (2024-01-31 or 2024-01-31T16:00:00Z), YYYYMMDD, "
    "or epoch seconds/ms/µs/ns after 1973 — or name the format (--ts-format epoch_s)"
)
# The largest moment datetime can hold, as POSIX seconds (9999-12-31T23:59:59.999999Z).
_MAX_SECONDS = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC).timestamp()
_MIN_SECONDS = datetime(1, 1, 1, tzinfo=UTC).timestamp()


@dataclass(frozen=True, slots=True)
class TimestampIssue:
    line: int
    message: str


class TimestampError(ValueError):
    """The column could not be read; `issues` has each problem with its line."""

    def __init__(self, issues: list[TimestampIssue]) -> None:
        self.issues = issues
        super().__init__("\n".join(f"line {i.line}: {i.message}" for i in issues))


@dataclass(frozen=True, slots=True)
class TimestampColumn:
    seconds: list[float]
    format: TsFormat


@dataclass(frozen=True, slots=True)
class _Cell:
    """One cell read on its own: its format, POSIX seconds, and for ISO whether it is zoned."""

    format: TsFormat
    seconds: float
    zoned: bool | None = None  # None: a date, or not ISO


def parse_column(cells: Iterable[tuple[int, str]], fmt: TsFormat | None = None) -> TimestampColumn:
    """POSIX seconds of every (line, text) cell, in order; the format is `fmt` or detected.

    Raises TimestampError with up to MAX_ISSUES problems (line and message each)."""
    issues: list[TimestampIssue] = []
    seconds: list[float] = []
    first: tuple[int, _Cell] | None = None
    zoned: tuple[int, bool] | None = None
    for line, raw in cells:
        text = raw.strip()
        cell = _read(text, fmt) if fmt else _detect(text)
        if isinstance(cell, str):
            issues.append(TimestampIssue(line, cell))
        elif first is not None and cell.format != first[1].format:
            issues.append(TimestampIssue(line, _mixed(text, cell, first)))
        elif zoned is not None and cell.zoned is not None and cell.zoned != zoned[1]:
            issues.append(TimestampIssue(line, _mixed_zone(text, cell.zoned, zoned[0])))
        else:
            first = first or (line, cell)
            if cell.zoned is not None:
                zoned = zoned or (line, cell.zoned)
            seconds.append(cell.seconds)
        if len(issues) >= MAX_ISSUES:
            break
    if issues:
        raise TimestampError(issues)
    return TimestampColumn(seconds, fmt or (first[1].format if first else "iso"))


def parse_one(text: str) -> float | None:
    """POSIX seconds of one timestamp read on its own (the same shapes as a column:
    ISO dates/datetimes, `YYYYMMDD`, epoch s/ms/µs/ns by magnitude); None when it is not
    one of them or is ambiguous. For files whose dates are single cells (JSON results)."""
    cell = _detect(text.strip())
    return None if isinstance(cell, str) else cell.seconds


def _mixed(text: str, cell: _Cell, first: tuple[int, _Cell]) -> str:
    return (
        f"{text!r} is {_NAMES[cell.format]} but line {first[0]} is "
        f"{_NAMES[first[1].format]}; use one format for the whole column"
    )


def _mixed_zone(text: str, zoned: bool, other_line: int) -> str:
    has, other = ("has a", "has none") if zoned else ("has no", "has one")
    return (
        f"{text!r} {has} time zone but line {other_line} {other}; give every "
        "datetime a zone (Z or +01:00) or none (read as UTC)"
    )


def _detect(text: str) -> _Cell | str:
    """The cell read in the format its shape says, or what is wrong with it."""
    if _YYYYMMDD.fullmatch(text):
        cell = _yyyymmdd(text)
        if isinstance(cell, str):
            return f"{cell}; 8-digit epoch seconds (1970-1973) are refused as ambiguous"
        return cell
    if _NUMBER.fullmatch(text):
        value = float(text)
        for upper, fmt in _EPOCH_BANDS:
            if _SMALLEST_EPOCH <= value < upper:
                return _read(text, fmt)
        return (
            f"{text!r} is a number too small or too large to tell its unit "
            f"(epoch seconds before 1973? a counter? a spreadsheet serial date?); {_HINT}"
        )
    return _read(text, "iso")


def _read(text: str, fmt: TsFormat) -> _Cell | str:
    """The cell read in `fmt`, or what is wrong with it."""
    if fmt == "iso":
        return _iso(text)
    if fmt == "yyyymmdd":
        return _yyyymmdd(text)
    return _epoch(text, fmt)


def _iso(text: str) -> _Cell | str:
    # fromisoformat also takes basic forms (20240131T1600, 2024W05); only the extended
    # form with dashes is ISO here, so a bare number never reaches it.
    if not _ISO_START.match(text):
        return f"{text!r} is not a timestamp; {_HINT}"
    try:
        when = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return f"{text!r} is not a timestamp; {_HINT}"
    seconds = _seconds(when)
    if not _MIN_SECONDS <= seconds <= _MAX_SECONDS:
        return f"{text!r} is outside years 1-9999 in UTC"
    zoned = None if len(text) == 10 else when.tzinfo is not None
    return _Cell("iso", seconds, zoned)


def _yyyymmdd(text: str) -> _Cell | str:
    if not _YYYYMMDD.fullmatch(text):
        return f"{text!r} is not a YYYYMMDD date (8 digits)"
    try:
        day = date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError as exc:
        return f"{text!r} is not a valid YYYYMMDD date ({exc})"
    return _Cell("yyyymmdd", _seconds(datetime.combine(day, datetime.min.time())))


def _epoch(text: str, fmt: TsFormat) -> _Cell | str:
    if not _NUMBER.fullmatch(text):
        return f"{text!r} is not a number; expected {_NAMES[fmt]}"
    # Integers go through int() so nanoseconds keep their precision before scaling.
    value = int(text) if text.lstrip("+-").isdigit() else float(text)
    seconds = value / _EPOCH_SCALE[fmt]
    if not math.isfinite(seconds) or not _MIN_SECONDS <= seconds <= _MAX_SECONDS:
        return f"{text!r} as {_NAMES[fmt]} is outside years 1-9999"
    return _Cell(fmt, float(seconds))


def _seconds(when: datetime) -> float:
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()
