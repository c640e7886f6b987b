"""Render the History page offscreen to PNG, on a real (embedded) PostgreSQL with months
of realistic 1-minute data, backtest profiles and the real HistoryService.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/history_screenshot.py [--theme dark|light]

Writes docs/screenshots/history.png (overview), history-risk.png, history-tables.png and
history-compare.png, plus history-threshold-test.png. Everything runs on the qasync
loop, like the app.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import asyncpg
import qasync
from PySide6.QtWidgets import QApplication, QWidget

from perfdesk.analytics.profile import expectations_from_backtest
from perfdesk.bench import _history_data as data
from perfdesk.bench._harness import temporary_database
from perfdesk.domain.events import StrategyInfo
from perfdesk.domain.status import StrategyState
from perfdesk.domain.thresholds import DailyLossThresholds, DrawdownThresholds, Thresholds
from perfdesk.services.history.service import HistoryService
from perfdesk.services.store.store import Store
from perfdesk.views.history.history_source import ServiceHistorySource
from perfdesk.views.history.history_view import HistoryView
from perfdesk.views.shell.main_window import MainWindow
from perfdesk.views.support.style import apply_theme
from perfdesk.views.thresholds.threshold_backtest import ThresholdBacktest

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
LIVE_DAYS = 150
STRATEGIES = {
    "momentum-es": ("Momentum ES", data.PathSpec(0.22, 0.11, decay_at=0.62, decay_drift=-0.35)),
    "carry-fx": ("Carry FX", data.PathSpec(0.12, 0.07)),
    "stat-arb-eu": ("Stat-arb EU", data.PathSpec(0.16, 0.09, decay_at=0.8, decay_drift=0.02)),
}


class QuietSource:
    """No live strategies and no alerts: the History page gets the whole window."""

    def snapshots(self) -> dict[str, object]:
        return {}

    def active_alerts(self) -> list[object]:
        return []

    def storage(self) -> None:
        return None  # no database behind this source

    def engine_notes(self) -> list[str]:
        return []



async def load(dsn: str) -> None:
    start = data.months_ago(0)
    start = start.fromtimestamp(start.timestamp() - LIVE_DAYS * 86_400, start.tzinfo)
    conn = await asyncpg.connect(dsn)
    await data.prepare_schema(conn)
    for i, (sid, (_name, spec)) in enumerate(STRATEGIES.items()):
        n = LIVE_DAYS * 1440
        await data.load_strategy(conn, sid, start, n=n, step_s=60.0, spec=spec, seed=40 + i,
                                 fill_every_s=600.0)  # fmt: skip
    await data.build_rollups(conn)
    await conn.close()


async def register(store: Store) -> None:
    for i, (sid, (name, spec)) in enumerate(STRATEGIES.items()):
        healthy = data.PathSpec(spec.annual_drift, spec.annual_vol)
        bt = data.backtest_returns(756, healthy, 70 + i, 365)
        exp = expectations_from_backtest(
            bt, periods_per_year=365, trades_per_day=144, slippage_bps=0.5, n_paths=1000
        )
        await store.upsert_strategy(
            StrategyInfo(strategy_id=sid, name=name, status=StrategyState.ACTIVE, expectations=exp)
        )


async def save(widget: QWidget, name: str) -> None:
    for _ in range(15):
        await asyncio.sleep(0.03)
    path = OUT / name
    if not widget.grab().save(str(path)):
        raise SystemExit(f"could not write {path}")
    print(f"wrote {path}")


async def wait_loaded(view: HistoryView) -> None:
    done = asyncio.Event()
    view.loaded.connect(lambda _r: done.set())
    await asyncio.wait_for(done.wait(), 120)


async def shoot(theme: str) -> None:
    async with temporary_database("perfdesk_history_shot") as dsn:
        await load(dsn)
        store = await Store.open(dsn)
        try:
            await register(store)
            await render(store, theme)
        finally:
            await store.close()


async def render(store: Store, theme: str) -> None:
    window = MainWindow(QuietSource())
    view = HistoryView(ServiceHistorySource(HistoryService(store)))
    window.add_page("history", "History", view, "Ctrl+3")
    window.resize(1440, 900)
    window.show()
    window.show_page("history")
    suffix = "" if theme == "dark" else "-light"
    loaded = asyncio.ensure_future(wait_loaded(view))
    view.refresh_strategies()
    await loaded
    loaded = asyncio.ensure_future(wait_loaded(view))
    view.picker.select(["momentum-es"])
    await loaded
    await save(window, f"history{suffix}.png")
    for index, name in ((1, "risk"), (2, "tables")):
        view.tabs.setCurrentIndex(index)
        await save(window, f"history-{name}{suffix}.png")
    loaded = asyncio.ensure_future(wait_loaded(view))
    view.picker.select(list(STRATEGIES))
    await loaded
    view.tabs.setCurrentIndex(3)
    await save(window, f"history-compare{suffix}.png")
    window.close()
    await render_threshold_test(view.source, suffix)


async def render_threshold_test(source: ServiceHistorySource, suffix: str) -> None:
    """The threshold form's panel alone: a tighter draft against the saved defaults."""
    draft = Thresholds(
        drawdown=DrawdownThresholds(warning_percentile=0.8, critical_percentile=0.95),
        daily_loss=DailyLossThresholds(warning_loss=0.02, critical_loss=0.03),
    )
    panel = ThresholdBacktest(source, draft=lambda: draft, saved=Thresholds)
    panel.setObjectName("Page")
    panel.layout().setContentsMargins(16, 16, 16, 16)
    panel.resize(1000, 600)
    panel.show()
    done = asyncio.Event()
    panel.tested.connect(lambda _r: done.set())
    await asyncio.sleep(0.3)
    panel.set_strategy("momentum-es")
    panel.run()
    await asyncio.wait_for(done.wait(), 120)
    await save(panel, f"history-threshold-test{suffix}.png")
    panel.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--theme", choices=("dark", "light"), default="dark")
    args = parser.parse_args()
    app = QApplication(sys.argv)
    app.setQuitOnLastWindowClosed(False)
    apply_theme(app, args.theme)
    OUT.mkdir(parents=True, exist_ok=True)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(shoot(args.theme))
    return 0


if __name__ == "__main__":
    sys.exit(main())
