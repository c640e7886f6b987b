"""CSV and clipboard cells a spreadsheet will not run as formulas (CSV injection).

Text starting with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a formula by
Excel, LibreOffice and Google Sheets; such text (a strategy name, a symbol, an alert
message: all from outside) gets a leading `'`, which spreadsheets show as text and never
evaluate (OWASP). Numbers stay numbers: an int or float, or text that is exactly a plain
number ("-0.05"), is left alone. The same rule as the report writer's helper (trust18's
reports/csv_safe.py); this one serves the tables' Copy and Export CSV.
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
    """None as "", finite numbers untouched, formula-like text prefixed with `'`."""
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


def csv_text(rows: Iterable[Iterable[Any]]) -> str:
    """RFC 4180 CSV (CRLF line ends; cells with CR/LF quoted), every cell made safe."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    for values in rows:
        writer.writerow([cell(v) for v in values])
    return buf.getvalue()


def tsv_text(rows: Iterable[Iterable[Any]]) -> str:
    """Tab-separated lines for the clipboard: tabs and line breaks inside a cell become
    spaces (a paste must keep its grid), every cell made safe."""
    lines = []
    for values in rows:
        cells = [str(cell(v)) for v in values]
        lines.append("\t".join(" ".join(c.split()) if c else c for c in cells))
    return "\n".join(lines)
