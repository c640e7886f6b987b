"""Render each screen offscreen to PNG under docs/screenshots/ (realistic sample data).

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py [--theme dark|light|both]

Writes dashboard, strategy (a card's drill-down), verification, thresholds (with a "test
against history" result), strategy-setup, alerts, alert-settings, notifications,
settings and settings-retention[-light].png. Uses the synthetic SampleSource (no
engine, no database), an in-memory threshold store and a synthetic replay, so the
images are reproducible;
`perfdesk demo --screenshot` shows the same window with live data.
History and Reports: scripts/history_screenshot.py, scripts/report_page_screenshot.py
(they need a database). Runs on the qasync loop, like the app.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import qasync
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QScrollArea, QWidget

from perfdesk.analytics.history_types import FiredAlert, ReplaySummary, ThresholdTest
from perfdesk.domain.alerts import AlertChange, AlertHistoryEntry, AlertSettings, AlertState
from perfdesk.domain.status import Status
from perfdesk.domain.storage_retention import StorageRetention
from perfdesk.domain.thresholds import Thresholds
from perfdesk.services.alerts.channels.config import ChannelConfig, ChannelKind
from perfdesk.services.alerts.channels.service import ChannelStatus
from perfdesk.services.alerts.channels.store import ChannelLog
from perfdesk.services.store.config_store import SavedAlertSettings
from perfdesk.services.store.retention_settings import RetentionOverview, RetentionState
from perfdesk.testing.memory_repositories import MemoryThresholdRepository
from perfdesk.testing.sample_source import SampleSource
from perfdesk.views.alerts.alert_log_view import AlertLogView
from perfdesk.views.shell.main_window import MainWindow
from perfdesk.views.strategy_setup.backtest_job import run_import
from perfdesk.views.support.style import apply_theme

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


class SampleHistory:
    """A HistorySource for the threshold test: a synthetic 6-month replay (no database)."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    async def strategies(self) -> list[tuple[str, str]]:
        return sorted(self.names.items())

    async def analyze(self, *_a: object, **_k: object) -> object:
        raise NotImplementedError

    async def replay_thresholds(self, request: object, sets: list[object]) -> ThresholdTest:
        rng = np.random.default_rng(5)
        days = 182
        t0 = 1_780_000_000.0
        t = t0 + np.arange(days) * 86_400.0
        equity = 1e6 * np.cumprod(1 + rng.normal(0.0004, 0.009, days))
        equity[120:140] *= np.linspace(1.0, 0.93, 20)
        equity[140:] *= 0.93
        months = tuple(sorted({datetime.fromtimestamp(x, UTC).strftime("%Y-%m") for x in t}))

        def summary(fired_days: list[tuple[int, str, Status]]) -> ReplaySummary:
            fired = tuple(
                FiredAlert(float(t[d]), rule, sev, f"{rule} {sev.value}")
                for d, rule, sev in fired_days
            )
            per_month: dict[str, dict[str, int]] = {}
            for a in fired:
                month = datetime.fromtimestamp(a.ts, UTC).strftime("%Y-%m")
                per_month.setdefault(month, {}).setdefault(a.severity.value, 0)
                per_month[month][a.severity.value] += 1
            return ReplaySummary(t, tuple(Status.OK for _ in t), fired, per_month)

        draft = summary([(128, "drawdown", Status.WARNING), (139, "drawdown", Status.CRITICAL)])
        saved = summary(
            [(40, "daily_loss", Status.WARNING), (77, "daily_loss", Status.WARNING),
             (128, "drawdown", Status.WARNING), (131, "daily_loss", Status.CRITICAL),
             (139, "drawdown", Status.CRITICAL)]
        )  # fmt: skip
        kept = (draft, saved)[: len(sets)]
        return ThresholdTest("strat-02", "Mean-rev NQ", t, equity, months, kept)


class SampleAlertSettings:
    """An AlertSettingsStore with two stored versions (no database)."""

    def __init__(self) -> None:
        now = datetime.now(UTC)
        first = AlertSettings(for_warning_s=10.0)
        second = first.model_copy(update={"keep_firing_s": 120.0, "recovery_margin": 0.05})
        self.versions = [
            SavedAlertSettings(1, first, "risk", now - timedelta(days=12), "desk standard"),
            SavedAlertSettings(2, second, "ann", now - timedelta(hours=3), "fewer flaps"),
        ]

    async def load(self) -> SavedAlertSettings:
        return self.versions[-1]

    async def save(self, settings: AlertSettings, who: str, comment: str | None) -> object:
        raise NotImplementedError

    async def history(self) -> list[SavedAlertSettings]:
        return list(reversed(self.versions))


class SampleRetention:
    """A retention source for Settings › Data retention (no database): a desk of 50
    strategies with 6 months stored, 30 days of raw samples, 6 months of bars."""

    async def load(self) -> RetentionState:
        setting = StorageRetention(raw_days=30, minute_bar_months=6)
        return RetentionState(setting, 180, await self.overview(setting))

    async def save(self, setting: StorageRetention) -> RetentionState:
        raise NotImplementedError

    async def overview(self, setting: StorageRetention) -> RetentionOverview:
        first = datetime.combine(date.today() - timedelta(days=183), datetime.min.time(), UTC)
        raw = 0 if setting.raw_days is None else 183 - setting.raw_days
        return RetentionOverview(28_908_000, raw * 157_000, 9_150, 150, 9_150, first)


class SampleNotifications:
    """A NotificationsBackend with three channels and their delivery log (no database)."""

    async def channels(self) -> list[ChannelStatus]:
        now = datetime.now(UTC)
        chat = ChannelConfig(id=1, name="desk telegram", kind=ChannelKind.APPRISE,
                             strategies=("strat-0*",))  # fmt: skip
        ops = ChannelConfig(id=2, name="ops alertmanager", kind=ChannelKind.ALERTMANAGER,
                            min_severity=Status.CRITICAL)  # fmt: skip
        mail = ChannelConfig(id=3, name="risk mail", kind=ChannelKind.APPRISE, enabled=False)
        ago = lambda minutes: now - timedelta(minutes=minutes)  # noqa: E731
        return [
            ChannelStatus(chat, ChannelLog(chat.name, ago(3), None, None, 14, 0), True),
            ChannelStatus(
                ops, ChannelLog(ops.name, ago(1), ago(95), "no answer within 10 s", 40, 1), True
            ),
            ChannelStatus(mail, ChannelLog(mail.name), False),
        ]


async def alert_history(fingerprint: str) -> list[AlertHistoryEntry]:
    now = datetime.now(UTC)
    rows = [
        (AlertChange.PENDING, AlertState.PENDING, Status.WARNING, 1800, None, None, False),
        (AlertChange.FIRED, AlertState.FIRING, Status.WARNING, 1795, None, None, True),
        (AlertChange.ESCALATED, AlertState.FIRING, Status.CRITICAL, 600, None, None, True),
        (AlertChange.ACKED, AlertState.FIRING, Status.CRITICAL, 420, "ann",
         "checking the fills with the desk", False),
    ]  # fmt: skip
    return [
        AlertHistoryEntry(
            id=i,
            fingerprint=fingerprint,
            ts=now - timedelta(seconds=ago),
            change=change,
            state=state,
            severity=sev,
            message="Max drawdown 23.8% vs expected 8.0%",
            actor=who,
            comment=comment,
            notified=notified,
        )
        for i, (change, state, sev, ago, who, comment, notified) in enumerate(rows, 1)
    ]


async def shoot(suffix: str, folder: Path) -> None:
    repo = await repository()
    store = QSettings(str(folder / f"settings{suffix}.ini"), QSettings.Format.IniFormat)
    source = SampleSource(count=8)
    window = MainWindow(source, thresholds=repo, expectations=repo, settings=store, who="ann")
    alerts = AlertLogView(source.active_alerts, alert_history)
    window.add_page("alerts", "Alerts", alerts)
    window.timer.timeout.connect(alerts.refresh)
    window.resize(*SIZE)
    window.show()
    window.refresh()
    await save(window, f"dashboard{suffix}.png")
    window.open_strategy_page("strat-02")  # a card's drill-down
    await settle()
    window.refresh()
    await save(window, f"strategy{suffix}.png")
    window.open_strategy("strat-02")
    window.refresh()
    await save(window, f"verification{suffix}.png")
    window.show_page("thresholds")
    await settle()
    names = {sid: snap.name for sid, snap in source.snapshots().items()}
    backtest = window.thresholds.backtest
    backtest.set_source(SampleHistory(names))  # type: ignore[arg-type]
    await settle()
    backtest.set_strategy("strat-02")
    window.thresholds.form.fields["daily_loss.warning_loss"].set_text("0.05")
    backtest.run()
    await settle(20)
    field = window.thresholds.form.fields["drawdown.warning_ratio"]
    field.set_text("1.4")
    await save(window, f"thresholds{suffix}.png")
    window.show_page("setup")
    window.setup.select_strategy("strat-01")
    preview = run_import(sample_backtest(folder), {}, lambda _f, _s: None)
    window.setup.path_edit.setText(str(preview.path.name))
    window.setup._show_preview(preview)
    await save(window, f"strategy-setup{suffix}.png")
    window.show_page("alerts")
    alerts.refresh()
    alerts.select(alerts.model.row_at(0).fingerprint)
    await settle(15)
    await save(window, f"alerts{suffix}.png")
    alerts.timing_store = SampleAlertSettings  # type: ignore[assignment]
    dialog = alerts.open_timing_settings()
    await settle(15)
    await save(dialog, f"alert-settings{suffix}.png")
    dialog.close()
    await shoot_notifications(alerts, suffix)
    await shoot_settings(window, suffix)
    window.close()


async def shoot_settings(window: MainWindow, suffix: str) -> None:
    """Settings, then scrolled to Data retention over a sample database."""
    window.show_page("settings")
    await save(window, f"settings{suffix}.png")
    panel = window.settings_view.retention
    panel.set_source(SampleRetention())
    await settle(15)
    scroll = panel.parentWidget()
    while scroll is not None and not isinstance(scroll, QScrollArea):
        scroll = scroll.parentWidget()
    if isinstance(scroll, QScrollArea):
        scroll.ensureWidgetVisible(panel, 0, 0)
    await save(window, f"settings-retention{suffix}.png")


async def shoot_notifications(alerts: AlertLogView, suffix: str) -> None:
    alerts.notifications_backend = SampleNotifications  # type: ignore[assignment]
    channels = alerts.open_notifications()
    await settle(15)
    channels.panel.table.selectRow(1)
    await save(channels, f"notifications{suffix}.png")
    channels.close()


async def main_async(themes: list[str]) -> None:
    app = QApplication.instance()
    with tempfile.TemporaryDirectory() as tmp:
        for theme in themes:
            apply_theme(app, theme)
            await shoot("" if theme == "dark" else "-light", Path(tmp))


def main(argv: list[str]) -> int:
    global OUT, SIZE  # noqa: PLW0603 - a script's two settings
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--theme", choices=["dark", "light", "both"], default="both")
    parser.add_argument("--out", type=Path, default=OUT, help="folder (default: docs/screenshots)")
    parser.add_argument("--size", default="1440x900", help="window size, e.g. 1024x700")
    args = parser.parse_args(argv)
    OUT = args.out
    width, height = (int(x) for x in args.size.split("x"))
    SIZE = (width, height)
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
