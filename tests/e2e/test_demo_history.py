"""History of a demo strategy, on real parts: the demo backend (simulator on loopback ->
engine client -> PostgreSQL), the History page over its Store as the app builds it.

The demo's strategies announce their backtest's profile, so History draws the forecast
cone from it (and the backtest overlay); the page is rendered offscreen to a PNG.
"""

from __future__ import annotations

from pathlib import Path

from e2e_waits import until
from pytestqt.qtbot import QtBot

from perfdesk import backend_views
from perfdesk.app import RuntimeSource
from perfdesk.demo_desk import start_demo_engine
from perfdesk.services.host.backend_host import BackendHost
from perfdesk.sim.demo import DEMO_BACKFILL_DAYS
from perfdesk.views.shell.main_window import MainWindow

HEALTHY = "trend-healthy"


async def test_a_demo_strategy_has_its_forecast_cone(
    qtbot: QtBot, db_dsn: str, tmp_path: Path
) -> None:
    host = BackendHost()
    backend = await host.start(db_dsn, None, demo=True, engine=start_demo_engine)
    try:
        sim, client = backend.sim, backend.runtime.source
        assert sim is not None
        # The half-year backfill is received and stored; then time stands still.
        backfill = sim.feed(HEALTHY).last_seq
        await until(lambda: client.last_seq(HEALTHY) > backfill, 120, "the backfill")
        sim.pause()
        await host.run(backend.runtime.writer.flush())

        window = MainWindow(RuntimeSource(host))
        qtbot.addWidget(window)
        window.resize(1440, 900)
        history = backend_views.history_page(host)
        window.add_page("history", "History", history, "Ctrl+6")
        got: list[list] = []  # type: ignore[type-arg]
        history.loaded.connect(got.append)
        window.show()
        window.show_page("history")
        await until(lambda: HEALTHY in history.picker.strategy_ids(), 30, "the strategy list")
        got.clear()
        history.picker.select([HEALTHY])
        await until(lambda: got, 120, "the analysis")
        result = got[-1][0]
        assert result.strategy_id == HEALTHY
        assert result.n_days >= DEMO_BACKFILL_DAYS
        cone = result.cone
        assert cone is not None, "no forecast cone: the strategy has no backtest profile"
        assert cone.live.size >= DEMO_BACKFILL_DAYS
        assert 0.0 < cone.live_percentile < 1.0
        chart = history.risk.cone
        assert chart.lines[0].xData is not None and chart.lines[0].xData.size == cone.days.size
        assert "percentile" in chart.title
        # Overview: the backtest overlay before go-live exists too.
        assert result.backtest_t.size > 0
        for name, page in (("overview", history.overview), ("risk", history.risk)):
            history.tabs.setCurrentWidget(page)
            qtbot.wait(300)  # let the charts paint
            assert window.grab().save(str(tmp_path / f"demo-history-{name}.png"))
        assert chart.grab().save(str(tmp_path / "demo-history-cone.png"))
    finally:
        await host.stop()
