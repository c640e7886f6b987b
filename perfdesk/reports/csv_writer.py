"""CSV of the report's tables: one file per table (and per strategy), raw values.

Numbers are written unformatted (fractions, not percentages; full precision) so a
spreadsheet can compute with them; text cells as printed, except that text a
spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) gets a leading
`'` (reports/csv_safe.py). Files are named
`<stem>-<strategy>-<table>.csv` (`<stem>-<table>.csv` for desk-wide tables).
"""

from __future__ import annotations

from pathlib import Path

from perfdesk.reports import csv_safe
from perfdesk.reports.model import Report
from perfdesk.reports.paths import resolve_output, safe_name, write_text
from perfdesk.reports.tables import Table, changes_table, desk_table, strategy_tables


def table_csv(table: Table) -> str:
    """The table as CSV; text a spreadsheet would run as a formula is escaped (csv_safe)."""
    return csv_safe.text([table.columns, *([c.raw for c in row] for row in table.rows)])


def report_tables(report: Report) -> list[tuple[str, Table]]:
    """(file-name part, table) for every table of the report."""
    out: list[tuple[str, Table]] = [("desk", desk_table(report))]
    if report.global_threshold_changes:
        out.append(("global-thresholds", changes_table(report.global_threshold_changes)))
    for s in report.strategies:
        sid = safe_name(s.strategy_id)
        out += [(f"{sid}-{t.key}", t) for t in strategy_tables(s)]
    return out


def write_csv(report: Report, folder: Path, stem: str, *, overwrite: bool = False) -> list[Path]:
    """Write every table; checks all target paths before writing any (all or nothing)."""
    tables = report_tables(report)
    targets = [
        resolve_output(folder, f"{safe_name(stem)}-{part}.csv", overwrite=overwrite)
        for part, _ in tables
    ]
    return [
        write_text(path, table_csv(table), overwrite=overwrite)
        for path, (_, table) in zip(targets, tables, strict=True)
    ]
