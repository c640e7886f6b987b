"""The ts column reader: every format people export, one format per column, never a guess."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from perfdesk.analytics.timestamps import TimestampError, parse_column


def _secs(*parts: int) -> float:
    return datetime(*parts, tzinfo=UTC).timestamp()  # type: ignore[misc]


def _read(*cells: str, fmt=None):
    return parse_column(list(enumerate(cells, start=2)), fmt)


@pytest.mark.parametrize(
    ("cells", "fmt", "expected"),
    [
        (("2024-01-31", "2024-02-01"), "iso", [_secs(2024, 1, 31), _secs(2024, 2, 1)]),
        (
            ("2024-01-31 16:00:00", "2024-01-31T17:30:00"),
            "iso",
            [_secs(2024, 1, 31, 16), _secs(2024, 1, 31, 17, 30)],
        ),
        (
            ("2024-01-31T16:00:00Z", "2024-01-31T18:00:00+02:00"),
            "iso",
            [_secs(2024, 1, 31, 16), _secs(2024, 1, 31, 16)],
        ),
        (
            ("2024-01-31", "2024-02-01T10:00:00.250-05:00"),
            "iso",
            [_secs(2024, 1, 31), _secs(2024, 2, 1, 15, 0, 0, 250_000)],
        ),
        (("20240131", "20240201"), "yyyymmdd", [_secs(2024, 1, 31), _secs(2024, 2, 1)]),
        (("19700101", "99991231"), "yyyymmdd", [0.0, _secs(9999, 12, 31)]),
        (("1704067200", "1704153600.5"), "epoch_s", [1704067200.0, 1704153600.5]),
        (("1704067200000", "1704153600000"), "epoch_ms", [1704067200.0, 1704153600.0]),
        (("1704067200000000",), "epoch_us", [1704067200.0]),
        (("1704067200123456789",), "epoch_ns", [1704067200.123456789]),
        (("1970-01-01", "9999-12-31T23:59:59Z"), "iso", [0.0, _secs(9999, 12, 31, 23, 59, 59)]),
    ],
)
def test_formats_are_detected(cells, fmt, expected) -> None:
    column = _read(*cells)
    assert column.format == fmt
    assert column.seconds == pytest.approx(expected, abs=1e-6)


def test_the_yyyymmdd_column_of_the_bug_report_is_read_as_dates() -> None:
    column = _read("20240102", "20240103")
    assert column.format == "yyyymmdd"
    # not 1970-08-23 (20,240,102 POSIX seconds)
    assert datetime.fromtimestamp(column.seconds[0], UTC).date().isoformat() == "2024-01-02"


@pytest.mark.parametrize(
    ("cells", "line", "words"),
    [
        (("20240131", "1704067200"), 3, "epoch seconds but line 2 is a YYYYMMDD date"),
        (("2024-01-31", "1704067200"), 3, "one format for the whole column"),
        (("1704067200", "1704067200000"), 3, "epoch milliseconds but line 2 is epoch seconds"),
        (("2024-01-01T00:00:00", "2024-01-02T00:00:00+02:00"), 3, "has a time zone but line 2"),
        (("2024-01-01T00:00:00Z", "2024-01-02T00:00:00"), 3, "has no time zone but line 2"),
        (("01/02/2024",), 2, "not a timestamp; write ISO 8601"),
        (("31.01.2024",), 2, "not a timestamp"),
        (("12345",), 2, "too small or too large to tell its unit"),
        (("0",), 2, "--ts-format"),
        (("45321",), 2, "spreadsheet serial date"),
        (("20241301",), 2, "not a valid YYYYMMDD date"),
        (("20240131", "20240230"), 3, "not a valid YYYYMMDD date"),
        (("2024-01-31", "10000-01-01"), 3, "not a timestamp"),
        (("9999-12-31T23:00:00-05:00",), 2, "outside years 1-9999"),
        (("1e20",), 2, "too small or too large"),
        (("nan",), 2, "not a timestamp"),
        (("",), 2, "not a timestamp"),
    ],
)
def test_ambiguous_or_unknown_formats_are_refused_with_the_line(cells, line, words) -> None:
    with pytest.raises(TimestampError) as err:
        _read(*cells)
    assert err.value.issues[0].line == line
    assert words in err.value.issues[0].message
    assert f"line {line}: " in str(err.value)


def test_a_named_format_reads_what_detection_refuses() -> None:
    assert _read("0", "86400", fmt="epoch_s").seconds == [0.0, 86_400.0]
    assert _read("1000", fmt="epoch_ms").seconds == [1.0]
    with pytest.raises(TimestampError, match="not a number; expected epoch seconds"):
        _read("2024-01-01", fmt="epoch_s")
    with pytest.raises(TimestampError, match="outside years 1-9999"):
        _read("1e300", fmt="epoch_s")


def test_every_bad_row_is_listed_once() -> None:
    with pytest.raises(TimestampError) as err:
        _read("2024-01-01", "x", "2024-01-03", "20240104", "y")
    assert [i.line for i in err.value.issues] == [3, 5, 6]
