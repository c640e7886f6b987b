"""Render each screen offscreen to PNG under docs/screenshots/ (realistic sample data).

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py [--theme dark|light|both]

Uses the synthetic SampleSource (no engine, no database) and an in-memory threshold
store, so the images are reproducible; `perfdesk demo --screenshot` shows the same
window with live data. Runs on the qasync loop, like the app.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import qasync
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QWidget

from perfdesk.domain.thresholds import Thresholds
from perfdesk.views.backtest_job import run_import
from perfdesk.views.main_window import MainWindow
from perfdesk.views.repositories import MemoryThresholdRepository
from perfdesk.views.sample_source import SampleSource
from perfdesk.views.style import apply_theme

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
SIZE = (1440, 900)


async def settle(rounds: int = 10) -> None:
    for _ in range(rounds):
        await asyncio.sleep(0.02)


async def save(widget: QWidget, name: str) -> Path:
    await settle()
    path = OUT / name
    if not widget.grab().save(str(path)):
        raise SystemExit(f"could not write {path}")
    print(f"wrote {path}")
    return path


def sample_backtest(folder: Path) -> Path:
    rng = np.random.default_rng(11)
    days = 750
    equity = 1e6 * np.cumprod(1 + rng.standard_t(5, days) * 0.007 + 0.0006)
    path = folder / "momentum_es_backtest.csv"
    lines = ["ts,equity"] + [
        f"{date(2022, 1, 3) + timedelta(days=i)},{equity[i]:.2f}" for i in range(days)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


async def repository() -> MemoryThresholdRepository:
    repo = MemoryThresholdRepository()
    await repo.save(None, Thresholds(), "risk")
    await repo.save(None, Thresholds.model_validate({"stale_after_s": 30}), "ann")
    await repo.save(
        None,
        Thresholds.model_validate({"stale_after_s": 30, "drawdown": {"warning_ratio": 0.9}}),
        "ann",
    )
    return repo


async def shoot(suffix: str, folder: Path) -> None:
    repo = await repository()
    store = QSettings(str(folder / f"settings{suffix}.ini"), QSettings.Format.IniFormat)
    window = MainWindow(
        SampleSource(count=8), thresholds=repo, expectations=repo, settings=store, who="ann"
    )
    window.resize(*SIZE)
    window.show()
    window.refresh()
    await save(window, f"dashboard{suffix}.png")
    window.open_strategy("strat-02")
    window.refresh()
    await save(window, f"verification{suffix}.png")
    window.show_page("thresholds")
    await settle()
    field = window.thresholds.form.fields["drawdown.warning_ratio"]
    field.set_text("1.4")
    await save(window, f"thresholds{suffix}.png")
    window.show_page("setup")
    window.setup.strategy_combo.setEditText("strat-01")
    preview = run_import(sample_backtest(folder), {}, lambda _f, _s: None)
    window.setup.path_edit.setText(str(preview.path.name))
    window.setup._show_preview(preview)
    await save(window, f"strategy-setup{suffix}.png")
    window.show_page("settings")
    await save(window, f"settings{suffix}.png")
    window.close()


async def main_async(themes: list[str]) -> None:
    app = QApplication.instance()
    with tempfile.TemporaryDirectory() as tmp:
        for theme in themes:
            apply_theme(app, theme)
            await shoot("" if theme == "dark" else "-light", Path(tmp))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--theme", choices=["dark", "light", "both"], default="both")
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication([])
    OUT.mkdir(parents=True, exist_ok=True)
    themes = ["dark", "light"] if args.theme == "both" else [args.theme]
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(main_async(themes))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
