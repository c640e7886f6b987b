"""Render the sample report to PDF and its pages to PNG for the docs (needs poppler-utils).

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/report_screenshots.py

Writes docs/screenshots/report-page1.png, report-page2.png, report-desk.png and
docs/examples/report-sample.html (the self-contained HTML of the same report).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PySide6.QtGui import QGuiApplication

from perfdesk.reports.html_render import render_html
from perfdesk.testing.sample_report import sample_report
from perfdesk.views.reports.report_pdf import render_pdf

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "docs" / "screenshots"


def _page_png(pdf: Path, page: int, target: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        prefix = Path(tmp) / "p"
        subprocess.run(["pdftoppm", "-r", "110", "-f", str(page), "-l", str(page), "-png",
                        str(pdf), str(prefix)], check=True)  # fmt: skip
        shutil.move(str(next(Path(tmp).glob("p*.png"))), target)


def main() -> int:
    if shutil.which("pdftoppm") is None:
        print("pdftoppm not found: apt-get install poppler-utils", file=sys.stderr)
        return 1
    app = QGuiApplication.instance() or QGuiApplication([])
    SHOTS.mkdir(parents=True, exist_ok=True)
    single = sample_report((("meanrev-decay", True),), days=181)
    desk = sample_report((("trend-healthy", False), ("meanrev-decay", True),
                          ("carry-steady", False)), days=181)  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        one, many = Path(tmp) / "one.pdf", Path(tmp) / "desk.pdf"
        pages = render_pdf(single, one)
        render_pdf(desk, many)
        _page_png(one, 1, SHOTS / "report-page1.png")
        _page_png(one, 2, SHOTS / "report-page2.png")
        _page_png(many, 1, SHOTS / "report-desk.png")
    examples = ROOT / "docs" / "examples"
    examples.mkdir(parents=True, exist_ok=True)
    (examples / "report-sample.html").write_text(render_html(single), encoding="utf-8")
    print(f"{pages} pages; screenshots in {SHOTS}")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
