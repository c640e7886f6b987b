"""The optional bell with critical popups: off by default, critical only, once per burst,
and wired into the real alert controller and its settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from PySide6.QtCore import QSettings

from perfdesk.desktop_settings import DesktopSettings
from perfdesk.domain.alerts import AlertSettings
from perfdesk.domain.status import Status
from perfdesk.domain.verdict import RuleResult, Verdict
from perfdesk.services.alerts.manager import AlertManager
from perfdesk.views.alerts.alert_sound import SoundingNotifier
from perfdesk.views.shell.alert_controller import AlertController
from perfdesk.views.shell.main_window import MainWindow


@dataclass
class Shown:
    severity: Status


class Recorder:
    def __init__(self) -> None:
        self.shown: list[Shown] = []

    def show(self, popup: Shown) -> None:
        self.shown.append(popup)


def test_rings_for_critical_only_when_enabled_and_once_per_burst() -> None:
    inner, rang, now, on = Recorder(), [], [0.0], [False]
    notifier = SoundingNotifier(
        inner, lambda: on[0], beep=lambda: rang.append(now[0]), clock=lambda: now[0]
    )
    notifier.show(Shown(Status.CRITICAL))
    assert rang == []  # off
    on[0] = True
    notifier.show(Shown(Status.WARNING))
    notifier.show(Shown(Status.CRITICAL))
    now[0] = 5.0
    notifier.show(Shown(Status.CRITICAL))  # same burst: quiet
    now[0] = 10.5
    notifier.show(Shown(Status.CRITICAL))
    assert rang == [0.0, 10.5]
    assert len(notifier.shown) == 5 and notifier.shown is inner.shown  # every popup shown


def test_off_by_default() -> None:
    assert DesktopSettings().notifications.sound_on_critical is False


class Source:
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


def test_the_alert_controller_rings_when_the_setting_is_on(qtbot, tmp_path, monkeypatch) -> None:
    rang: list[int] = []
    monkeypatch.setattr("PySide6.QtWidgets.QApplication.beep", lambda: rang.append(1))
    manager = AlertManager(AlertSettings(for_critical_s=0))
    window = MainWindow(Source(manager))
    qtbot.addWidget(window)
    ui = AlertController(
        window, call=lambda fn, *a: fn(*a), manager=lambda: manager,
        settings=QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat),
    )  # fmt: skip

    def fire(sid: str) -> None:
        result = RuleResult(rule="drawdown", status=Status.CRITICAL, message="deep")
        manager.process([Verdict(strategy_id=sid, ts=datetime.now(UTC), rules=(result,))])
        ui.tray.poll()

    fire("s1")
    assert rang == [] and len(ui.tray.notifier.shown) == 1  # the setting is off
    current = window.settings_view.current
    notifications = current.notifications.model_copy(update={"sound_on_critical": True})
    window.settings_view.current = current.model_copy(update={"notifications": notifications})
    fire("s2")
    assert rang == [1] and len(ui.tray.notifier.shown) == 2
