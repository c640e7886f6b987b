"""The PDF report: opens, has the expected sections and pages, charts drawn as vectors."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from perfdesk.testing.sample_report import sample_report
from perfdesk.views.reports.report_pdf import render_pdf

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) not installed"
)


@pytest.fixture(scope="module")
def desk_pdf(tmp_path_factory: pytest.TempPathFactory, qapp: object) -> tuple[Path, int]:
    report = sample_report((("trend-healthy", False), ("meanrev-decay", True)), days=120)
    path = tmp_path_factory.mktemp("pdf") / "desk.pdf"
    return path, render_pdf(report, path)


def _text(path: Path, page: int | None = None) -> str:
    args = ["pdftotext", "-layout"] + ([] if page is None else ["-f", str(page), "-l", str(page)])
    return subprocess.run(
        [*args, str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def _pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True)
    return int(
        next(line.split()[-1] for line in info.stdout.splitlines() if line.startswith("Pages:"))
    )


def test_pdf_has_every_section_for_every_strategy(desk_pdf: tuple[Path, int]) -> None:
    path, pages = desk_pdf
    text = _text(path)
    assert "Validation report" in text and "Desk summary" in text
    for name in ("Trend Healthy", "Meanrev Decay"):
        assert name in text
    for section in (
        "Rules",
        "Metrics: live vs backtest",
        "Monthly returns",
        "Top drawdowns",
        "Alerts in the period",
        "Threshold changes in the period",
        "Equity: live vs backtest",
        "Underwater",
        "Rolling Sharpe",
        "Forecast cone",
    ):
        assert text.count(section) >= 2, section  # once per strategy
    assert "acked by pm: sizing" in text and "review Friday" in text  # ack comment, wrapped
    assert _pages(path) == pages >= 4


def test_each_strategy_starts_on_its_own_page(desk_pdf: tuple[Path, int]) -> None:
    path, pages = desk_pdf
    starts = [p for p in range(1, pages + 1) if "(meanrev-decay)" in _text(path, p)]
    assert starts and "Trend Healthy  (trend-healthy)" not in _text(path, starts[0])


def test_charts_are_vectors_and_page_one_renders(
    desk_pdf: tuple[Path, int], tmp_path: Path
) -> None:
    path, _ = desk_pdf
    # Axis labels of the SVG charts are real text in the PDF, not pixels.
    assert "day 0" in _text(path) and "Backtest Sharpe" in _text(path)
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm not installed")
    subprocess.run(
        ["pdftoppm", "-r", "40", "-f", "1", "-l", "1", "-png", str(path), str(tmp_path / "p")],
        check=True,
    )
    assert next(tmp_path.glob("p*.png")).stat().st_size > 10_000


def test_an_existing_file_is_never_overwritten(desk_pdf: tuple[Path, int]) -> None:
    from perfdesk.reports.paths import OutputPathError

    path, _ = desk_pdf
    before = path.read_bytes()
    with pytest.raises(OutputPathError):
        render_pdf(sample_report(days=40), path)
    assert path.read_bytes() == before


def test_a_symlink_planted_at_the_pdf_name_is_never_written_through(
    tmp_path: Path, qapp: object
) -> None:
    from perfdesk.reports.paths import OutputPathError

    report = sample_report((("trend-healthy", False),), days=30)
    outside = tmp_path / "outside"
    outside.mkdir()
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "desk.pdf").symlink_to(outside / "created.pdf")  # dangling: exists() is False
    with pytest.raises(OutputPathError, match="exists already"):
        render_pdf(report, folder / "desk.pdf")
    assert not (outside / "created.pdf").exists()
    pages = render_pdf(report, folder / "fresh.pdf")
    assert pages >= 1 and (folder / "fresh.pdf").read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in folder.iterdir()) == ["desk.pdf", "fresh.pdf"]
