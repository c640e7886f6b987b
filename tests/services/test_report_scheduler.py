"""ReportScheduler on a real PostgreSQL with a controllable clock: on time, missed while
closed (runs once, late), overlapping runs, failures (recorded + alert), manual export."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from perfdesk.bench.storage import synthetic_events
from perfdesk.domain.alerts import AlertState
from perfdesk.domain.thresholds import Thresholds
from perfdesk.services.alerts import store as alert_store
from perfdesk.services.alerts.manager import AlertManager
from perfdesk.services.reports.builder import ReportBuilder, ReportRequest
from perfdesk.services.reports.render import RenderJob, csv_renderer, html_renderer
from perfdesk.services.reports.scheduler import ReportScheduler, latest_due
from perfdesk.services.reports.store import ReportSchedule, ReportStore, ScheduleError
from perfdesk.services.store.config_store import ConfigStore
from perfdesk.services.store.store import Store

PARIS = ZoneInfo("Europe/Paris")
DATA_START = datetime(2026, 3, 1, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def filled(store: Store) -> AsyncIterator[Store]:
    """Two strategies, 20 days of 10-minute samples; a threshold change in the period."""
    for sid in ("alpha", "beta"):
        await store.write_events(list(synthetic_events(sid, 20 * 144, start=DATA_START,
                                                       step_s=600.0, fill_every=12)))  # fmt: skip
    await alert_store.ensure_schema(store.pool)
    await ConfigStore(store).save("alpha", Thresholds(), "risk", comment="first limits")
    await store.pool.execute("UPDATE threshold_audit SET at = $1", DATA_START + timedelta(days=5))
    yield store


def _scheduler(store: Store, tmp_path: Path, clock: Clock, renderers: dict | None = None,
               alerts: AlertManager | None = None) -> ReportScheduler:  # fmt: skip
    return ReportScheduler(ReportStore(store.pool), ReportBuilder(store, clock), renderers or
                           {"html": html_renderer, "csv": csv_renderer}, alerts=alerts,
                           clock=clock)  # fmt: skip


def _daily(tmp_path: Path, **kw: object) -> ReportSchedule:
    values: dict = {"name": "morning desk", "cron": "0 7 * * *", "timezone": "Europe/Paris",
                    "out_dir": str(tmp_path / "out"), "formats": ("html", "csv"),
                    "period": "1M"} | kw  # fmt: skip
    return ReportSchedule(**values)


async def _created(store: Store, schedule: ReportSchedule, at: datetime) -> ReportSchedule:
    saved = await ReportStore(store.pool).create(schedule)
    await store.pool.execute("UPDATE report_schedules SET created_at = $1, updated_at = $1"
                             " WHERE id = $2", at, saved.id)  # fmt: skip
    found = await ReportStore(store.pool).get(saved.id or 0)
    assert found is not None
    return found


async def test_on_time_run_writes_files_and_is_recorded(filled: Store, tmp_path: Path) -> None:
    seven = datetime(2026, 3, 18, 7, 0, tzinfo=PARIS)
    clock = Clock(seven.astimezone(UTC) + timedelta(seconds=3))
    s = await _created(filled, _daily(tmp_path), seven - timedelta(days=2))
    run = await _scheduler(filled, tmp_path, clock).fire(s, seven.astimezone(UTC))
    assert run is not None and run.status == "ok" and not run.late and run.error is None
    assert run.scheduled_for == seven and run.trigger == "schedule"
    html = Path(next(f for f in run.files if f.endswith(".html")))
    assert html.name == "morning-desk-20260318-0600.html"  # UTC stamp of 07:00 Paris
    text = await asyncio.to_thread(html.read_text)
    assert "alpha" in text and "beta" in text and "first limits" in text
    assert sum(f.endswith(".csv") for f in run.files) >= 10
    runs = await ReportStore(filled.pool).runs(s.id)
    assert [(r.id, r.status) for r in runs] == [(run.id, "ok")]
    assert runs[0].finished_at is not None


async def test_missed_while_closed_runs_once_marked_late(filled: Store, tmp_path: Path) -> None:
    created = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    s = await _created(filled, _daily(tmp_path), created)
    clock = Clock(datetime(2026, 3, 14, 9, 30, tzinfo=PARIS).astimezone(UTC))  # 4 missed
    scheduler = _scheduler(filled, tmp_path, clock)
    runs = await scheduler.catch_up()
    assert len(runs) == 1 and runs[0].late and runs[0].trigger == "catch_up"
    assert runs[0].scheduled_for == datetime(2026, 3, 14, 7, 0, tzinfo=PARIS)
    assert await scheduler.catch_up() == []  # a second start does not run it again
    clock.now += timedelta(days=1)  # closed again over one more 07:00
    again = await scheduler.catch_up()
    assert len(again) == 1 and again[0].scheduled_for == datetime(2026, 3, 15, 7, tzinfo=PARIS)
    assert len(await ReportStore(filled.pool).runs(s.id)) == 2


async def test_paused_and_not_yet_due_schedules_do_not_catch_up(
    filled: Store, tmp_path: Path
) -> None:
    created = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    await _created(filled, _daily(tmp_path, paused=True), created)
    await _created(filled, _daily(tmp_path, name="weekly", cron="0 7 * * mon"), created)
    clock = Clock(datetime(2026, 3, 13, 9, 0, tzinfo=UTC))  # Friday: no Monday since
    assert await _scheduler(filled, tmp_path, clock).catch_up() == []


async def test_overlapping_firing_is_skipped_and_recorded(filled: Store, tmp_path: Path) -> None:
    release = asyncio.Event()
    started = asyncio.Event()

    async def slow_html(job: RenderJob) -> list[Path]:
        started.set()
        await release.wait()
        return html_renderer(job)

    clock = Clock(datetime(2026, 3, 18, 6, 0, 5, tzinfo=UTC))
    s = await _created(filled, _daily(tmp_path, formats=("html",)), DATA_START)
    scheduler = _scheduler(filled, tmp_path, clock, {"html": slow_html})
    first = asyncio.create_task(scheduler.fire(s, datetime(2026, 3, 18, 6, tzinfo=UTC)))
    await asyncio.wait_for(started.wait(), 60)
    second = await scheduler.fire(s, datetime(2026, 3, 19, 6, tzinfo=UTC))
    assert second is not None and second.status == "skipped"
    assert second.error == "previous run still running"
    release.set()
    done = await first
    assert done is not None and done.status == "ok"
    # The same occurrence is never run twice (e.g. the desktop and a collector).
    assert await scheduler.fire(s, datetime(2026, 3, 18, 6, tzinfo=UTC)) is None


async def test_failed_run_keeps_error_and_raises_an_alert(filled: Store, tmp_path: Path) -> None:
    def broken_pdf(job: RenderJob) -> list[Path]:
        raise OSError("disk full")

    clock = Clock(datetime(2026, 3, 18, 6, 0, 5, tzinfo=UTC))
    alerts = AlertManager(clock=clock)
    s = await _created(filled, _daily(tmp_path, formats=("pdf",)), DATA_START)
    scheduler = _scheduler(filled, tmp_path, clock, {"pdf": broken_pdf}, alerts)
    run = await scheduler.fire(s, datetime(2026, 3, 18, 6, tzinfo=UTC))
    assert run is not None and run.status == "failed" and run.error == "OSError: disk full"
    alert = alerts.get("reports/report:morning desk")
    assert alert is not None and alert.state is AlertState.FIRING
    assert "disk full" in alert.message
    scheduler.renderers["pdf"] = html_renderer
    clock.now += timedelta(days=1, minutes=5)
    ok = await scheduler.fire(s, datetime(2026, 3, 19, 6, tzinfo=UTC))
    assert ok is not None and ok.status == "ok"
    assert alerts.get("reports/report:morning desk").state is not AlertState.FIRING  # type: ignore[union-attr]


async def test_apscheduler_jobs_follow_the_schedules(filled: Store, tmp_path: Path) -> None:
    clock = Clock(datetime.now(UTC))
    scheduler = _scheduler(filled, tmp_path, clock)
    await scheduler.start()
    try:
        s = await scheduler.save(_daily(tmp_path))
        nxt = scheduler.next_run_times()[s.id or 0]
        assert nxt is not None and nxt.astimezone(PARIS).hour == 7 and nxt > clock.now
        await scheduler.set_paused(s.id or 0, True)
        assert scheduler.next_run_times() == {}
        await scheduler.set_paused(s.id or 0, False)
        assert await scheduler.delete(s.id or 0) and scheduler.next_run_times() == {}
    finally:
        await scheduler.stop()


async def test_export_is_recorded_and_refuses_to_overwrite(filled: Store, tmp_path: Path) -> None:
    clock = Clock(datetime(2026, 3, 21, tzinfo=UTC))
    scheduler = _scheduler(filled, tmp_path, clock)
    request = ReportRequest(("alpha",), DATA_START, datetime(2026, 3, 21, tzinfo=UTC),
                            formats=("html",))  # fmt: skip
    result = await scheduler.export(request, tmp_path, "alpha-march")
    assert [p.name for p in result.files] == ["alpha-march.html"]
    assert result.run.trigger == "export" and result.run.schedule_id is None
    with pytest.raises(RuntimeError, match="exists already"):
        await scheduler.export(request, tmp_path, "alpha-march")


def test_schedule_validation_names_the_field(tmp_path: Path) -> None:
    with pytest.raises(ScheduleError, match="timezone"):
        _daily(tmp_path, timezone="Mars/Olympus").validated()
    with pytest.raises(ScheduleError, match="cron"):
        _daily(tmp_path, cron="every day").validated()
    with pytest.raises(ScheduleError, match="formats"):
        _daily(tmp_path, formats=("docx",)).validated()


def test_latest_due_coalesces_and_respects_dst() -> None:
    s = _daily(Path("."))
    after = datetime(2026, 3, 27, 12, tzinfo=UTC)
    now = datetime(2026, 3, 30, 12, tzinfo=UTC)  # over the spring DST change (29 March)
    due = latest_due(s, after, now)
    assert due == datetime(2026, 3, 30, 7, tzinfo=PARIS).astimezone(UTC)
    assert due is not None and due.hour == 5  # 07:00 CEST


async def test_report_lists_alerts_of_the_period_with_acks(filled: Store, tmp_path: Path) -> None:
    from perfdesk.domain.status import Status
    from perfdesk.domain.verdict import RuleResult, Verdict

    at = DATA_START + timedelta(days=10)
    changes: list = []
    manager = AlertManager(clock=lambda: at)
    manager.add_listener(changes.append)
    breach = RuleResult(rule="drawdown", status=Status.CRITICAL, message="drawdown 9 % > 8 %")
    manager.process([Verdict(strategy_id="alpha", ts=at, rules=(breach,))], at)
    manager.ack("alpha/drawdown", "pm", "watching it", at + timedelta(hours=1))
    await alert_store.AlertStore(filled.pool).write(changes)
    report = await ReportBuilder(filled).build(
        ReportRequest(("alpha",), DATA_START, DATA_START + timedelta(days=20))
    )
    (entry,) = report.strategies[0].alerts
    assert (
        entry.rule == "drawdown" and entry.acked_by == "pm" and entry.ack_comment == "watching it"
    )
    assert [s.change for s in entry.steps][-1] == "acked"
    later = await ReportBuilder(filled).build(
        ReportRequest(("alpha",), DATA_START + timedelta(days=12), DATA_START + timedelta(days=15))
    )  # the alert is still open, so it shows, but none of its steps fall in this period
    assert later.strategies[0].alerts[0].steps == ()


def test_simple_rules_round_trip_and_read_well() -> None:
    from perfdesk.services.reports.store import describe, parse_simple, simple_cron

    for kind, kw in (("daily", {}), ("weekly", {"weekday": 4}), ("monthly", {"day": 15})):
        cron = simple_cron(kind, 7, 30, **kw)  # type: ignore[arg-type]
        rule = parse_simple(cron)
        assert rule is not None and rule.kind == kind and rule.cron == cron
    s = _daily(Path("."), cron=simple_cron("weekly", 6, 0, weekday=0))
    assert describe(s) == "weekly on Mon at 06:00 (Europe/Paris)"
    assert parse_simple("*/5 * * * *") is None
    assert describe(_daily(Path("."), cron="*/5 * * * *")) == "cron */5 * * * * (Europe/Paris)"


async def test_start_catches_up_in_the_background(filled: Store, tmp_path: Path) -> None:
    s = await _created(
        filled, _daily(tmp_path, formats=("html",)), datetime(2026, 3, 10, tzinfo=UTC)
    )
    clock = Clock(datetime(2026, 3, 12, 9, 0, tzinfo=UTC))
    scheduler = _scheduler(filled, tmp_path, clock)
    await scheduler.start()  # returns before the late report is written
    try:
        store = ReportStore(filled.pool)
        for _ in range(600):
            runs = await store.runs(s.id)
            if runs and runs[0].status != "running":
                break
            await asyncio.sleep(0.1)
        assert [(r.status, r.late) for r in runs] == [("ok", True)]
    finally:
        await scheduler.stop()


async def test_a_strategy_without_data_is_left_out_of_a_desk_report(filled: Store) -> None:
    from perfdesk.domain.events import StrategyInfo
    from perfdesk.domain.status import StrategyState
    from perfdesk.reports.html_render import render_html
    from perfdesk.services.history.service import HistoryError

    await filled.upsert_strategy(
        StrategyInfo(strategy_id="silent", name="Silent", status=StrategyState.ACTIVE)
    )
    end = DATA_START + timedelta(days=20)
    report = await ReportBuilder(filled).build(ReportRequest((), DATA_START, end))
    assert [s.strategy_id for s in report.strategies] == ["alpha", "beta"]
    assert any(n.startswith("silent left out") for n in report.notes)
    assert "silent left out" in render_html(report)
    with pytest.raises(HistoryError):  # asked for by name: an error, not a silent gap
        await ReportBuilder(filled).build(ReportRequest(("silent",), DATA_START, end))


async def test_a_schedule_period_ends_at_the_last_stored_data(
    filled: Store, tmp_path: Path
) -> None:
    # Two months after the data ends (as in the demo, whose market time runs behind the
    # wall clock): the 1M report covers the data's last month, not an empty month.
    clock = Clock(DATA_START + timedelta(days=80))
    scheduler = _scheduler(filled, tmp_path, clock)
    s = await _created(filled, _daily(tmp_path, strategies=("alpha",)), clock.now)
    try:
        run = await scheduler.fire(s, clock.now)
        assert run is not None and run.status == "ok", run and run.error
        assert await scheduler.builder.data_end(("alpha",)) == DATA_START + timedelta(days=20)
        html = next(p for p in run.files if p.endswith(".html"))
        text = await asyncio.to_thread(Path(html).read_text, encoding="utf-8")
        assert "to 2026-03-21 (end exclusive" in text
    finally:
        await scheduler.stop()


async def test_a_report_of_an_empty_period_is_a_failed_run_with_the_reason(
    filled: Store, tmp_path: Path
) -> None:
    from perfdesk.services.reports.builder import EmptyPeriodError

    clock = Clock(DATA_START + timedelta(days=80))
    scheduler = _scheduler(filled, tmp_path, clock)
    later = ReportRequest(("alpha",), DATA_START + timedelta(days=40), clock.now, None, ("html",))
    try:
        reason = re.escape("no data in 2026-04-10 .. 2026-05-19; its data ends on 2026-03-20")
        with pytest.raises(RuntimeError, match=reason):
            await scheduler.export(later, tmp_path / "out", "empty")
        (run,) = [r for r in await scheduler.store.runs() if r.trigger == "export"]
        assert run.status == "failed" and "no data in" in (run.error or "") and run.files == ()
        assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
        with pytest.raises(EmptyPeriodError):
            await scheduler.builder.build(later)
    finally:
        await scheduler.stop()
