"""CSV cells a spreadsheet will not run: the one place every CSV writer escapes them.

A text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a
formula by Excel, LibreOffice and Google Sheets (CSV injection: `=HYPERLINK(...)`,
`-2+3+cmd|' /C calc'!A0`). Such text — a strategy name, a symbol, an alert message, all
of which come from outside — is written with a leading `'`, which spreadsheets show as
text and do not evaluate (the OWASP recommendation).

Numbers stay numbers: a Python int or float is written as its plain decimal form
(`-0.0512`, `1e-05`), which every spreadsheet parses as a number, never as a formula; so
is a text cell that is exactly such a number. Only text that is not a plain number and
starts with one of those characters is changed.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def cell(value: Any) -> Any:
    """The value as a CSV writer should get it: None as "", numbers untouched, text
    that a spreadsheet would evaluate prefixed with `'`."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value if not isinstance(value, float) or math.isfinite(value) else str(value)
    text = str(value)
    if text.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def row(values: Iterable[Any]) -> list[Any]:
    return [cell(v) for v in values]


def write_rows(writer: Any, rows: Iterable[Iterable[Any]]) -> None:
    """`writer.writerow` (a csv.writer) for every row, each cell made safe."""
    for values in rows:
        writer.writerow(row(values))


def text(rows: Iterable[Iterable[Any]]) -> str:
    """The rows as RFC 4180 CSV text (CRLF line ends), every cell made safe. With CRLF
    the csv module quotes any cell holding a CR or LF, so no text breaks a row apart."""
    buf = io.StringIO()
    write_rows(csv.writer(buf, lineterminator="\r\n"), rows)
    return buf.getvalue()
