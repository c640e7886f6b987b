"""Reports page on a real PostgreSQL and the real ReportScheduler, driven like a user."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QDate, Qt, QTimer
from views_factories import until

from perfdesk.bench.storage import synthetic_events
from perfdesk.services.alerts import store as alert_store
from perfdesk.services.reports.builder import ReportBuilder
from perfdesk.services.reports.render import csv_renderer, html_renderer
from perfdesk.services.reports.scheduler import ReportScheduler
from perfdesk.services.reports.store import ReportSchedule, ReportStore
from perfdesk.services.store.store import Store
from perfdesk.views.reports.report_pdf import pdf_renderer
from perfdesk.views.reports.report_schedule_dialog import ScheduleDialog
from perfdesk.views.reports.report_source import SchedulerSource
from perfdesk.views.reports.report_view import ReportsView

START = datetime(2026, 2, 1, tzinfo=UTC)


async def _page(qtbot, store: Store, **kw) -> tuple[ReportsView, ReportScheduler]:  # type: ignore[no-untyped-def]
    await alert_store.ensure_schema(store.pool)
    for sid in ("alpha", "beta"):
        await store.write_events(list(synthetic_events(sid, 30 * 96, start=START, step_s=900.0)))
    renderers = {"pdf": pdf_renderer, "html": html_renderer, "csv": csv_renderer}
    scheduler = ReportScheduler(ReportStore(store.pool), ReportBuilder(store), renderers)
    await scheduler.start()
    view = ReportsView(SchedulerSource(scheduler))
    if kw:
        view.schedules._dialog = kw["dialog"]
        view.schedules._confirm = kw.get("confirm", lambda *_: True)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    await until(lambda: view.export.strategy_list.count() == 2, limit_s=30)
    return view, scheduler


def _runs(sv):  # type: ignore[no-untyped-def]
    return [sv.runs.row_at(i) for i in range(sv.runs.rowCount())]


async def _settle(view: ReportsView) -> None:
    """Let the page's last refresh finish before the database goes away."""
    import asyncio

    await asyncio.sleep(0.2)
    if view.schedules.last_refresh is not None:
        await asyncio.wait([view.schedules.last_refresh], timeout=30)


async def test_export_writes_pdf_and_html_without_blocking(
    qtbot, store: Store, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    view, scheduler = await _page(qtbot, store)
    try:
        panel = view.export
        assert panel.selected() == ["alpha"]  # the first strategy until one is current
        # The preset ends where the stored data ends (30 days from Feb 1), not today.
        await until(lambda: panel.last_day is not None, limit_s=30)
        assert panel.last_day == START.date() + timedelta(days=29)
        assert panel.end.date() == QDate(2026, 3, 2) and panel.start.date() == QDate(2026, 1, 31)
        assert "data until 2026-03-02" in panel.data_hint.text()
        panel.range.setCurrentText("Custom")
        panel.start.setDate(QDate(2026, 3, 5))
        panel.end.setDate(QDate(2026, 4, 5))
        assert not panel.export_button.isEnabled()  # a period after the data: refused
        assert "No stored data in this period" in panel.message.text()
        assert "2026-03-02" in panel.message.text()
        view.set_current_strategy("beta")  # e.g. selected on the Verification page
        assert panel.selected() == ["beta"]
        view.set_strategy_names({"alpha": "Alpha trend", "beta": "Beta carry"})
        items = [panel.strategy_list.item(i) for i in range(2)]
        assert [i.text() for i in items] == ["Alpha trend", "Beta carry"]  # names shown
        assert panel.selected() == ["beta"]  # ids exported
        view.set_current_strategy("alpha")
        panel.range.setCurrentText("Custom")
        panel.start.setDate(QDate(2026, 2, 1))
        panel.end.setDate(QDate(2026, 3, 2))
        panel.folder.setText(str(tmp_path))
        panel.formats["pdf"].setChecked(False)
        panel.formats["html"].setChecked(False)
        assert not panel.export_button.isEnabled()
        assert panel.message.text() == "Choose at least one format."
        panel.formats["pdf"].setChecked(True)
        panel.formats["html"].setChecked(True)
        assert panel.export_button.isEnabled()
        ticks: list[int] = []
        timer = QTimer()
        timer.timeout.connect(lambda: ticks.append(1))
        timer.start(5)
        got: list[list[str]] = []
        panel.exported.connect(got.append)
        qtbot.mouseClick(panel.export_button, Qt.MouseButton.LeftButton)
        await until(lambda: got, limit_s=120)
        timer.stop()
        assert len(ticks) > 3, "the GUI loop kept running while the report was generated"
        names = sorted(Path(p).name for p in got[0])
        assert names == ["alpha-20260201-20260302.html", "alpha-20260201-20260302.pdf"]
        assert "Written:" in panel.message.text()
        opened: list[str] = []
        panel.open_url = lambda url: opened.append(url.toLocalFile()) or True
        assert panel.open_file_button.isVisible() and panel.open_folder_button.isVisible()
        qtbot.mouseClick(panel.open_file_button, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(panel.open_folder_button, Qt.MouseButton.LeftButton)
        assert opened == [str(tmp_path / "alpha-20260201-20260302.pdf"), str(tmp_path)]
        await until(lambda: view.schedules.runs.rowCount() == 1, limit_s=30)
        # Exporting again with the same name is refused, not overwritten.
        failures: list[str] = []
        panel.failed.connect(failures.append)
        qtbot.mouseClick(panel.export_button, Qt.MouseButton.LeftButton)
        await until(lambda: failures, limit_s=120)
        assert "exists already" in failures[0]
    finally:
        await _settle(view)
        await scheduler.stop()


async def test_schedules_can_be_created_paused_and_deleted(
    qtbot, store: Store, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    planned = ReportSchedule("morning", "0 7 * * *", "Europe/Paris", str(tmp_path),
                             formats=("html",))  # fmt: skip
    asked: list[str] = []

    def dialog(existing: ReportSchedule | None, _parent: object) -> ReportSchedule:
        return planned if existing is None else existing

    view, scheduler = await _page(qtbot, store, dialog=dialog,
                                  confirm=lambda _p, text: asked.append(text) or True)  # fmt: skip
    try:
        sv = view.schedules
        actions = (sv.edit_button, sv.pause_button, sv.run_button, sv.delete_button)
        assert not any(b.isEnabled() for b in actions)  # nothing selected yet
        qtbot.mouseClick(sv.new_button, Qt.MouseButton.LeftButton)
        await until(lambda: sv.schedules.rowCount() == 1, limit_s=30)
        assert sv.status.text().startswith("1 schedule · ")
        assert not any(b.isEnabled() for b in actions)
        sv.select(sv.schedules.row_at(0)["id"])
        assert all(b.isEnabled() for b in actions)
        qtbot.mouseClick(sv.run_button, Qt.MouseButton.LeftButton)  # Run now
        await until(lambda: any(r.trigger == "manual" for r in _runs(sv)), limit_s=120)
        (manual,) = [r for r in _runs(sv) if r.trigger == "manual"]
        assert manual.status == "ok" and manual.files, manual.error
        assert "Run now: 1 file written" in sv.status.text()
        row = sv.schedules.row_at(0)
        assert row["next"] is not None and "daily at 07:00 (Europe/Paris)" in sv.schedules.data(
            sv.schedules.index(0, 1))  # fmt: skip
        sv.select(row["id"])
        qtbot.mouseClick(sv.pause_button, Qt.MouseButton.LeftButton)
        await until(lambda: sv.schedules.row_at(0)["schedule"].paused, limit_s=30)
        assert scheduler.next_run_times() == {}
        sv.select(row["id"])
        qtbot.mouseClick(sv.delete_button, Qt.MouseButton.LeftButton)
        await until(lambda: sv.schedules.rowCount() == 0, limit_s=30)
        assert asked and "morning" in asked[0]
    finally:
        await _settle(view)
        await scheduler.stop()


def test_schedule_dialog_validates_at_the_field(qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QDialogButtonBox

    dialog = ScheduleDialog(default_folder="/tmp/reports")
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled() and "name" in dialog.error.text()
    qtbot.keyClicks(dialog.name, "weekly desk")
    dialog.kind.setCurrentIndex(1)
    dialog.weekday.setCurrentIndex(4)
    dialog.zone.setCurrentText("Mars/Olympus")
    assert not ok.isEnabled() and "timezone" in dialog.error.text()
    dialog.zone.setCurrentText("America/New_York")
    assert ok.isEnabled()
    s = dialog.schedule()
    assert s.cron == "0 7 * * fri" and s.timezone == "America/New_York"
    again = ScheduleDialog(s)
    qtbot.addWidget(again)
    assert again.weekday.currentIndex() == 4 and again.name.text() == "weekly desk"


def test_schedule_dialog_picks_strategies_by_name_and_refuses_unknown_ids(qtbot) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from PySide6.QtWidgets import QDialogButtonBox

    known = {"alpha": "Alpha trend", "beta": "Beta carry"}
    old = ReportSchedule("desk", "0 7 * * *", "UTC", "/tmp/r", strategies=("alpha", "gone"))
    dialog = ScheduleDialog(old, known=known)
    qtbot.addWidget(dialog)
    picker = dialog.strategies
    texts = [picker.item(i).text() for i in range(picker.count())]
    assert texts == ["Alpha trend", "Beta carry", "gone (unknown)"]
    assert picker.item(0).toolTip() == "alpha"
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled() and "unknown strategy gone" in dialog.error.text()
    picker.item(2).setCheckState(Qt.CheckState.Unchecked)
    assert ok.isEnabled() and dialog.schedule().strategies == ("alpha",)
    picker.item(0).setCheckState(Qt.CheckState.Unchecked)
    assert dialog.schedule().strategies == ()  # none ticked: every strategy
    assert replace(old, strategies=()).strategies == dialog.schedule().strategies


def test_models_pass_the_model_tester(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    from perfdesk.services.reports.store import ReportRun
    from perfdesk.views.components.data_table import RowTableModel
    from perfdesk.views.reports.report_schedules_view import RUN_COLUMNS

    model = RowTableModel(RUN_COLUMNS, key=lambda r: str(r.id))
    now = datetime.now(UTC)
    model.upsert([ReportRun(1, 2, now, now, now + timedelta(seconds=3), "ok", True, "catch_up",
                            ("/x/a.pdf",))])  # fmt: skip
    qtmodeltester.check(model)
