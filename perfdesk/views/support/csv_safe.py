"""CSV and clipboard text for the tables' Copy and Export CSV, every cell safe from CSV
injection by the one rule of perfdesk/reports/csv_safe.py (formula-like text gets a
leading `'`; numbers stay numbers)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from perfdesk.reports.csv_safe import cell
from perfdesk.reports.csv_safe import text as csv_text

__all__ = ["cell", "csv_text", "tsv_text"]


def tsv_text(rows: Iterable[Iterable[Any]]) -> str:
    """Tab-separated lines for the clipboard: tabs and line breaks inside a cell become
    spaces (a paste must keep its grid), every cell made safe."""
    lines = []
    for values in rows:
        cells = [str(cell(v)) for v in values]
        lines.append("\t".join(" ".join(c.split()) if c else c for c in cells))
    return "\n".join(lines)
