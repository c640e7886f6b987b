"""Render each screen offscreen to PNG under docs/screenshots/ (realistic sample data).

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py [--theme dark|light]

Uses the synthetic SampleSource (no engine, no database), so the images are
reproducible; `perfdesk demo --screenshot` shows the same window with live data.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication, QWidget

from perfdesk.views.main_window import MainWindow
from perfdesk.views.sample_source import SampleSource
from perfdesk.views.style import apply_theme

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
SIZE = (1440, 900)


def settle(app: QApplication, rounds: int = 5) -> None:
    for _ in range(rounds):
        app.processEvents()


def save(widget: QWidget, name: str, app: QApplication) -> Path:
    settle(app)
    path = OUT / name
    if not widget.grab().save(str(path)):
        raise SystemExit(f"could not write {path}")
    print(f"wrote {path}")
    return path


def shoot(app: QApplication, theme: str, suffix: str) -> None:
    source = SampleSource(count=8)
    window = MainWindow(source)
    window.resize(*SIZE)
    window.show()
    window.refresh()
    save(window, f"dashboard{suffix}.png", app)
    window.open_strategy("strat-02")
    window.refresh()
    save(window, f"verification{suffix}.png", app)
    for key in [k for k in window.pages if k not in ("dashboard", "verification")]:
        window.show_page(key)
        save(window, f"{key}{suffix}.png", app)
    window.close()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--theme", choices=["dark", "light", "both"], default="both")
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication([])
    OUT.mkdir(parents=True, exist_ok=True)
    themes = ["dark", "light"] if args.theme == "both" else [args.theme]
    for theme in themes:
        apply_theme(app, theme)
        shoot(app, theme, "" if theme == "dark" else "-light")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
