"""Output paths: never outside the chosen folder, never a silent overwrite; CSV raw values."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from perfdesk.reports.csv_writer import write_csv
from perfdesk.reports.model import Report
from perfdesk.reports.paths import OutputPathError, resolve_output, safe_name, write_text


@pytest.mark.parametrize("name", ["../evil.html", "/etc/passwd", "sub/x.pdf", "..", ""])
def test_names_that_leave_the_folder_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(OutputPathError):
        resolve_output(tmp_path, name)


def test_a_symlink_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "link.html").symlink_to(outside / "target.html")
    with pytest.raises(OutputPathError, match="outside"):
        resolve_output(folder, "link.html", overwrite=True)


def test_existing_files_are_not_overwritten_unless_asked(tmp_path: Path) -> None:
    path = write_text(resolve_output(tmp_path, "r.html"), "first")
    with pytest.raises(OutputPathError, match="exists"):
        resolve_output(tmp_path, "r.html")
    with pytest.raises(OutputPathError, match="exists"):
        write_text(path, "second")  # racing writer: the link fails, nothing replaced
    assert path.read_text() == "first"
    write_text(resolve_output(tmp_path, "r.html", overwrite=True), "second", overwrite=True)
    assert path.read_text() == "second"
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]  # no temp file left behind


def test_safe_name_keeps_only_file_name_characters() -> None:
    assert safe_name("../desk report: Q1/2026") == "desk-report-Q1-2026"
    assert safe_name("...") == "report"


def test_csv_writes_every_table_with_raw_numbers(tmp_path: Path, desk_report: Report) -> None:
    files = write_csv(desk_report, tmp_path, "desk")
    names = {p.name for p in files}
    assert "desk-desk.csv" in names and "desk-trend-healthy-metrics.csv" in names
    assert "desk-meanrev-decay-alerts.csv" in names
    with (tmp_path / "desk-trend-healthy-metrics.csv").open() as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["Metric", "Live", "Backtest"]
    sharpe = next(r for r in rows if r[0] == "sharpe_ratio")
    assert float(sharpe[1]) == pytest.approx(
        desk_report.strategies[0].analysis.metrics["sharpe_ratio"]
    )
    with pytest.raises(OutputPathError):  # second export with the same stem: refused, all
        write_csv(desk_report, tmp_path, "desk")


def test_a_planted_symlink_at_the_old_temp_name_is_not_followed(tmp_path: Path) -> None:
    import os

    folder, outside = tmp_path / "reports", tmp_path / "outside"
    folder.mkdir()
    outside.mkdir()
    victim = outside / "victim.txt"
    victim.write_text("precious")
    dangling = outside / "created.txt"
    for pid in (os.getpid(), *range(1, 50)):  # the names the old writer used
        (folder / f".desk.html.{pid}.tmp").symlink_to(victim)
    (folder / ".desk.csv.tmp").symlink_to(dangling)
    target = resolve_output(folder, "desk.html")
    write_text(target, "<html>report</html>")
    assert victim.read_text() == "precious" and not dangling.exists()
    assert target.read_text() == "<html>report</html>" and not target.is_symlink()
    assert (folder / f".desk.html.{os.getpid()}.tmp").is_symlink()  # left as it was
    temp_files = [p for p in folder.iterdir() if not p.is_symlink() and p.name != "desk.html"]
    assert temp_files == []


def test_a_report_file_gets_the_permissions_of_a_plain_new_file(tmp_path: Path) -> None:
    import os

    before = os.umask(0o027)
    try:
        path = write_text(resolve_output(tmp_path, "r.html"), "x")
    finally:
        os.umask(before)
    assert path.stat().st_mode & 0o777 == 0o640


def test_csv_cells_a_spreadsheet_would_run_are_escaped_numbers_stay_numbers(
    tmp_path: Path,
) -> None:
    from perfdesk.reports.csv_writer import table_csv
    from perfdesk.reports.tables import Cell, Table

    hostile = ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3+cmd|' /C calc'!A0", "@SUM(A1)",
               "\tx", "\r=1", "=", "-"]  # fmt: skip
    plain = ["Trend", "-0.05", "+12", "1e-05", "a=b", " =1", "two\r\nlines", ""]
    numbers = [-0.0512, -3, 1e-05, 0, float("nan")]
    values = [*hostile, *plain, *numbers, None, True]
    table = Table("t", "T", ("value",), tuple((Cell("", v),) for v in values))
    path = tmp_path / "t.csv"
    path.write_text(table_csv(table), newline="")
    with path.open(newline="") as fh:
        got = [r[0] for r in csv.reader(fh)][1:]
    assert got[: len(hostile)] == ["'" + h for h in hostile]
    assert got[len(hostile) : len(hostile) + len(plain)] == plain
    assert got[len(hostile) + len(plain) :] == ["-0.0512", "-3", "1e-05", "0", "nan", "", "True"]
