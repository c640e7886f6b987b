"""The whole slice on real parts: simulator on loopback -> engine client -> PostgreSQL,
live monitor -> validator -> alerts -> the Qt window (offscreen), threaded as in the app:
the backend on its own loop thread, the window reading its published LiveView.

It waits for the breaking strategy's badge to turn critical and the banner to show it,
then checks that the database holds every event the simulator sent, exactly once.
"""

from __future__ import annotations

from e2e_waits import until
from pytestqt.qtbot import QtBot

from perfdesk.app import RuntimeSource
from perfdesk.demo_desk import start_demo_engine
from perfdesk.domain.status import Status
from perfdesk.services.host.backend_host import BackendHost
from perfdesk.views.shell.main_window import MainWindow

BREAKING = "carry-break"
HEALTHY = ("trend-healthy", "statarb-healthy", "cmdty-healthy", "rates-healthy")


def badge_status(window: MainWindow, strategy_id: str) -> Status | None:
    card = window.dashboard.cards.get(strategy_id)
    return None if card is None else card.badge.status


async def test_breaking_strategy_goes_critical_and_every_event_is_stored_once(
    qtbot: QtBot, db_dsn: str
) -> None:
    host = BackendHost()
    backend = await host.start(db_dsn, None, demo=True, engine=start_demo_engine)
    try:
        window = MainWindow(RuntimeSource(host))
        qtbot.addWidget(window)
        window.show()
        await until(lambda: badge_status(window, BREAKING) is Status.CRITICAL, 90, "critical badge")
        await until(window.banner.isVisible, 5, "the alert banner")
        shown = window.banner.current
        assert shown is not None and shown.severity is Status.CRITICAL
        assert "FX carry" in window.banner.message_label.text()  # the strategy's name
        assert shown.strategy_id in window.banner.message_label.toolTip()  # its id
        published = backend.runtime.published.alerts
        breaking = [a for a in published if a.strategy_id == BREAKING]
        # Judged by its backtest profile, the crash day's loss is what is critical first.
        assert any(a.severity is Status.CRITICAL for a in breaking)
        # The healthy strategies, judged by the same profile-based rules, stay OK.
        assert [badge_status(window, s) for s in HEALTHY] == [Status.OK] * len(HEALTHY)

        sim = backend.sim
        assert sim is not None
        sim.pause()
        client = backend.runtime.source
        await until(
            lambda: all(client.last_seq(s) == sim.last_seq(s) for s in sim.strategy_ids),
            30,
            "the client to receive everything sent",
        )
        await host.run(backend.runtime.writer.flush())
        for sid in sim.strategy_ids:
            sent = sim.last_seq(sid)
            assert sent > 100
            assert await host.run(backend.store.seqs(sid)) == list(range(1, sent + 1))
        assert await host.run(backend.store.count_events()) == sim.total_sent
    finally:
        await host.stop()
