"""The alert UI with real widgets, a real AlertManager and a real PostgreSQL.

Offscreen there is no system tray, so popups take the fallback path (banner + one
status-bar notice); the notifier is the real object and keeps what it showed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import QSettings, Qt
from views_factories import until

from perfdesk.domain.alerts import AlertChange, AlertHistoryEntry, AlertSettings, AlertState
from perfdesk.domain.status import Status
from perfdesk.domain.verdict import RuleResult, Verdict
from perfdesk.services.alerts.manager import AlertManager
from perfdesk.services.alerts.store import AlertPersistence
from perfdesk.services.store.store import Store
from perfdesk.views.alerts.alert_log_model import AlertFilterProxy, AlertHistoryModel, AlertLogModel
from perfdesk.views.shell.alert_controller import BANNER_ACK_COMMENT, AlertController
from perfdesk.views.shell.main_window import MainWindow
from perfdesk.views.shell.tray import FALLBACK_NOTICE, BannerFallbackNotifier

FP = "s1/drawdown"
SETTINGS = AlertSettings(for_warning_s=0, for_critical_s=0, keep_firing_s=0)


def verdict(status: Status, sid: str = "s1", rule: str = "drawdown") -> Verdict:
    result = RuleResult(rule=rule, status=status, message=f"{rule} {status.value}")
    return Verdict(strategy_id=sid, ts=datetime.now(UTC), rules=(result,))


class ManagerSource:
    """The window's SnapshotSource over a manager running on this (GUI) thread."""

    def __init__(self, manager: AlertManager) -> None:
        self.manager = manager

    def snapshots(self) -> dict:
        return {}

    def active_alerts(self) -> list:
        return self.manager.active()

    def storage(self) -> None:
        return None  # no database behind this source

    def engine_notes(self) -> list[str]:
        return []


@dataclass
class Desk:
    manager: AlertManager
    persistence: AlertPersistence
    window: MainWindow
    ui: AlertController

    def fire(self, *verdicts: Verdict) -> None:
        self.manager.process(list(verdicts))
        self.window.refresh()
        self.ui.tray.poll()

    @property
    def popups(self) -> list[str]:
        return [p.fingerprint for p in self.ui.tray.notifier.shown]


@pytest.fixture
async def desk(qtbot, store: Store, tmp_path) -> AsyncIterator[Desk]:
    manager = AlertManager(SETTINGS)
    persistence = AlertPersistence(store.pool)
    await persistence.start(manager)
    window = MainWindow(ManagerSource(manager))
    window.banner.guard_s = 0.0  # clicks follow at once here; the guard has its own tests
    qtbot.addWidget(window)
    ui = AlertController(
        window,
        call=lambda fn, *args: fn(*args),  # the manager lives on this thread in the test
        manager=lambda: manager,
        history=persistence.history,
        settings=QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat),
        user="ana",
    )
    window.show()
    yield Desk(manager, persistence, window, ui)
    await persistence.aclose()


async def test_a_firing_alert_shows_the_banner_and_a_tray_message(desk: Desk) -> None:
    # No tray: the mark is there from the start, before the first alert.
    assert desk.window.tray_label.isVisible()
    assert desk.window.tray_label.toolTip() == FALLBACK_NOTICE
    desk.fire(verdict(Status.CRITICAL))
    assert desk.window.banner.isVisible()
    assert desk.window.banner.current is not None and desk.window.banner.current.fingerprint == FP
    assert isinstance(desk.ui.tray.notifier.inner, BannerFallbackNotifier)  # offscreen: no tray
    assert desk.popups == [FP]
    popup = desk.ui.tray.notifier.shown[0]
    assert popup.severity is Status.CRITICAL and "s1" in popup.title
    # No tray: said once, by a mark in the status bar that stays, not a passing message.
    tray_label = desk.window.tray_label
    assert tray_label.isVisible() and tray_label.toolTip() == FALLBACK_NOTICE
    assert desk.window.statusBar().currentMessage() == ""
    desk.fire(verdict(Status.CRITICAL, sid="s2"))
    assert desk.popups == [FP, "s2/drawdown"]
    assert desk.window.statusBar().currentMessage() == "" and tray_label.isVisible()
    assert desk.ui.tray.status is Status.CRITICAL


async def test_popups_are_grouped_per_strategy(desk: Desk) -> None:
    both = Verdict(
        strategy_id="s1",
        ts=datetime.now(UTC),
        rules=(
            RuleResult(rule="drawdown", status=Status.CRITICAL, message="deep drawdown"),
            RuleResult(rule="daily_loss", status=Status.WARNING, message="daily loss 3 %"),
        ),
    )
    desk.fire(both, verdict(Status.WARNING, sid="s2"))
    shown = desk.ui.tray.notifier.shown
    assert [p.fingerprints for p in shown] == [(FP, "s1/daily_loss"), ("s2/drawdown",)]
    assert shown[0].title == "perfdesk CRITICAL: s1" and shown[0].fingerprint == FP
    assert shown[0].body.splitlines() == [
        "drawdown alert — deep drawdown",
        "daily_loss alert — daily loss 3 %",
    ]


async def test_acknowledging_from_the_banner_persists(qtbot, desk: Desk) -> None:
    desk.fire(verdict(Status.CRITICAL))
    qtbot.mouseClick(desk.window.banner.ack_button, Qt.MouseButton.LeftButton)
    await desk.persistence.flush()
    stored = await desk.persistence.store.list_alerts()
    assert [(a.fingerprint, a.acked_by, a.ack_comment) for a in stored] == [
        (FP, "ana", BANNER_ACK_COMMENT)
    ]
    history = await desk.persistence.store.history(FP)
    assert history[-1].change is AlertChange.ACKED and history[-1].actor == "ana"
    desk.window.refresh()
    assert not desk.window.banner.isVisible()


async def test_snoozed_alerts_stay_quiet(qtbot, desk: Desk) -> None:
    desk.fire(verdict(Status.WARNING))
    assert desk.popups == [FP]
    qtbot.mouseClick(desk.window.banner.snooze_button, Qt.MouseButton.LeftButton)
    desk.fire(verdict(Status.CRITICAL))  # escalates while snoozed
    alert = desk.manager.get(FP)
    assert alert and alert.severity is Status.CRITICAL and alert.snoozed_until is not None
    assert desk.popups == [FP] and not desk.window.banner.isVisible()
    await desk.persistence.flush()
    stored = (await desk.persistence.store.list_alerts())[0]
    assert stored.snoozed_until == alert.snoozed_until


async def test_a_popup_already_handled_is_not_shown(desk: Desk) -> None:
    desk.manager.process([verdict(Status.CRITICAL)])
    desk.manager.ack(FP, "bob", "seen on another screen")  # before the tray polled
    desk.ui.tray.poll()
    assert desk.popups == [] and [p.fingerprint for p in desk.ui.tray.suppressed] == [FP]


async def test_mute_for_an_hour_suppresses_popups_not_the_banner(desk: Desk, tmp_path) -> None:
    desk.ui.tray.mute(1.0)
    desk.fire(verdict(Status.CRITICAL))
    assert desk.popups == [] and desk.window.banner.isVisible()
    restored = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    assert restored.value("alerts/muted_until")  # survives a restart of the app
    desk.ui.tray.unmute()
    desk.fire(verdict(Status.CRITICAL, sid="s2"))
    assert desk.popups == ["s2/drawdown"]


async def test_silences_and_snooze_from_the_alert_log(qtbot, desk: Desk) -> None:
    desk.fire(verdict(Status.CRITICAL), verdict(Status.WARNING, sid="s2"))
    desk.window.show_page("alerts")
    log = desk.ui.log_view
    log.refresh()
    assert log.select(FP)
    qtbot.keyClicks(log.comment_edit, "known data issue")
    qtbot.mouseClick(log.silence_strategy_button, Qt.MouseButton.LeftButton)
    alert = desk.manager.get(FP)
    assert alert and alert.silenced_by is not None
    silence = desk.manager.silences()[0]
    assert (silence.strategy_id, silence.rule, silence.comment) == ("s1", None, "known data issue")
    assert log.select("s2/drawdown")
    qtbot.mouseClick(log.recovery_button, Qt.MouseButton.LeftButton)
    assert desk.manager.get("s2/drawdown").snooze_until_recovery  # type: ignore[union-attr]
    desk.window.refresh()
    assert not desk.window.banner.isVisible()
    await desk.persistence.flush()
    assert [s.id for s in await desk.persistence.store.silences()] == [silence.id]
    await until(lambda: log.history_model.rowCount() > 0)  # let the history load finish


async def test_alert_log_filters_and_history(qtbot, desk: Desk) -> None:
    desk.fire(verdict(Status.CRITICAL), verdict(Status.WARNING, sid="s2"))
    desk.fire(verdict(Status.OK, sid="s2"))
    desk.window.show_page("alerts")
    log = desk.ui.log_view
    log.refresh()
    assert log.proxy.rowCount() == 2
    log.set_filters(strategy="s2")
    assert log.proxy.rowCount() == 1
    log.set_filters(state=AlertState.RESOLVED)
    assert log.table.key_at(0) == "s2/drawdown" and log.proxy.rowCount() == 1
    log.set_filters(severity=Status.CRITICAL)
    assert log.table.key_at(0) == FP and log.proxy.rowCount() == 1
    log.set_filters()
    qtbot.keyClicks(log.comment_edit, "on it")
    assert log.select(FP)
    qtbot.mouseClick(log.ack_button, Qt.MouseButton.LeftButton)
    await desk.persistence.flush()
    log.refresh()  # the ack changed the alert: its history reloads
    await until(lambda: log.history_model.rowCount() == 2)
    changes = [log.history_model.row_at(i).change for i in range(2)]
    assert changes == [AlertChange.FIRED, AlertChange.ACKED]
    assert log.history_model.row_at(1).comment == "on it"


@pytest.mark.parametrize("through_proxy", [False, True])
def test_log_model_passes_qtmodeltester_through_updates(qtmodeltester, through_proxy) -> None:
    """Standalone models (the page's own are owned by a window the test closes)."""
    manager = AlertManager(SETTINGS)
    model = AlertLogModel()
    proxy = AlertFilterProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy if through_proxy else model, force_py=True)
    t0 = datetime.now(UTC)
    manager.process([verdict(Status.WARNING), verdict(Status.WARNING, sid="s2")], t0)
    model.show_alerts(manager.alerts())
    manager.process([verdict(Status.CRITICAL)], t0 + timedelta(seconds=1))
    model.show_alerts(manager.alerts())
    proxy.set_filters(severity=Status.CRITICAL)
    assert model.rowCount() == 2 and proxy.rowCount() == 1
    assert model.alert(FP).severity is Status.CRITICAL  # type: ignore[union-attr]


def test_history_model_passes_qtmodeltester(qtmodeltester) -> None:
    history = AlertHistoryModel()
    qtmodeltester.check(history, force_py=True)
    entry = AlertHistoryEntry(
        id=1, fingerprint=FP, ts=datetime.now(UTC), change=AlertChange.FIRED,
        state=AlertState.FIRING, severity=Status.CRITICAL, message="m",
    )  # fmt: skip
    history.show_history([entry, entry.model_copy(update={"id": 2})])
    history.show_history([entry.model_copy(update={"id": 2})])
    assert history.rowCount() == 1 and history.row_at(0).id == 2


async def test_alert_log_shows_strategy_names_and_rule_titles(desk: Desk) -> None:
    """The strategy's name (as on the dashboard) and the rule's title (as on Verification);
    the id stays in the tooltip and the filter still works by id."""
    desk.fire(verdict(Status.CRITICAL), verdict(Status.WARNING, sid="s2", rule="daily_loss"))
    desk.window.show_page("alerts")
    log = desk.ui.log_view
    log.refresh()
    assert not any(b.isEnabled() for b in log.action_buttons())  # nothing selected
    log.set_strategy_names({"s1": "Momentum ES", "s2": "Carry FX"})
    model = log.model
    row = model.row_of("s2/daily_loss")
    assert row is not None
    assert model.index(row, model.column_of("strategy")).data() == "Carry FX"
    tip = model.index(row, model.column_of("strategy")).data(Qt.ItemDataRole.ToolTipRole)
    assert tip == "s2"
    assert model.index(row, model.column_of("rule")).data() == "Daily loss"
    assert model.index(row, model.column_of("state")).data() == "Firing"
    assert [log.strategy_combo.itemText(i) for i in range(1, 3)] == ["Momentum ES", "Carry FX"]
    log.set_filters(strategy="s2")
    assert log.proxy.rowCount() == 1 and log.table.key_at(0) == "s2/daily_loss"
    assert log.select("s2/daily_loss")
    assert all(b.isEnabled() for b in log.action_buttons())
