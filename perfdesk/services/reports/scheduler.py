"""ReportScheduler: run report schedules with APScheduler on the backend loop.

- Each unpaused schedule is an APScheduler 3 `AsyncIOScheduler` cron job (explicit time
  zone; coalesced; one instance at a time) on the loop that owns the Store's pool.
- Missed while closed: on `start()` (and `catch_up()`), an occurrence due since the
  schedule's last recorded run (or its creation/last edit) and not run yet runs ONCE —
  however many were missed (coalesced) — recorded with `late = true`.
- Overlap: a firing while the same schedule's previous run is still going is recorded
  as 'skipped' with the reason; the same occurrence is never run twice, even by two
  processes on one database (unique (schedule_id, scheduled_for) claim).
- Each run is a row (started, finished, files, error). A failed run keeps its error and
  raises a critical alert through the AlertManager (strategy "reports", rule
  "report:<schedule name>"); the next successful run of that schedule resolves it.
- Rendering is injected: `renderers` maps a format to a renderer (see report_render),
  so this module imports no Qt. Time comes from `clock` (tests drive it).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from perfdesk.domain.status import Status
from perfdesk.domain.verdict import RuleResult, Verdict
from perfdesk.reports.paths import safe_name
from perfdesk.services.alerts.manager import AlertManager
from perfdesk.services.reports.builder import ReportBuilder, ReportRequest, period_for
from perfdesk.services.reports.render import Progress, Renderer, RenderJob, render
from perfdesk.services.reports.store import ReportRun, ReportSchedule, ReportStore

log = logging.getLogger(__name__)
ALERT_STRATEGY = "reports"
MAX_CATCH_UP_STEPS = 100_000


def utcnow() -> datetime:
    return datetime.now(UTC)


def alert_rule(schedule: ReportSchedule) -> str:
    return f"report:{schedule.name}"


def latest_due(schedule: ReportSchedule, after: datetime, now: datetime) -> datetime | None:
    """The latest occurrence in (after, now], or None (coalescing: one, however many)."""
    trigger = schedule.trigger()
    found = None
    nxt = trigger.get_next_fire_time(None, after + timedelta(seconds=1))
    for _ in range(MAX_CATCH_UP_STEPS):
        if nxt is None or nxt > now:
            break
        found = nxt
        nxt = trigger.get_next_fire_time(nxt, nxt + timedelta(seconds=1))
    return None if found is None else found.astimezone(UTC)


@dataclass(frozen=True)
class ExportResult:
    run: ReportRun
    files: tuple[Path, ...]


class ReportScheduler:
    """See the module docstring. Call every coroutine on the backend loop."""

    def __init__(
        self,
        store: ReportStore,
        builder: ReportBuilder,
        renderers: Mapping[str, Renderer],
        *,
        alerts: AlertManager | None = None,
        clock: Callable[[], datetime] = utcnow,
        misfire_grace_s: float = 300.0,
    ) -> None:
        self.store, self.builder, self.renderers = store, builder, dict(renderers)
        self._alerts, self._clock = alerts, clock
        self._grace_s = misfire_grace_s
        self._running: dict[int, asyncio.Task[ReportRun | None]] = {}
        self._scheduler: AsyncIOScheduler | None = None
        self._catch_up_task: asyncio.Task[None] | None = None

    # --- lifecycle ---------------------------------------------------------------------
    async def start(self) -> None:
        """Start the APScheduler jobs, then run what was missed while closed — in the
        background, so the caller (the app starting up) does not wait for those reports."""
        self._scheduler = AsyncIOScheduler(event_loop=asyncio.get_running_loop(), timezone=UTC)
        self._scheduler.start()
        await self.reload()
        self._catch_up_task = asyncio.create_task(self._catch_up_logged())

    async def _catch_up_logged(self) -> None:
        try:
            runs = await self.catch_up()
        except Exception:  # a broken catch-up must not stop the app; it is logged
            log.exception("report catch-up failed")
            return
        for run in runs:
            log.info("late report run %s for %s: %s", run.id, run.scheduled_for, run.status)

    async def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        if self._catch_up_task is not None:
            self._catch_up_task.cancel()
            await asyncio.gather(self._catch_up_task, return_exceptions=True)
        for task in list(self._running.values()):
            task.cancel()
        await asyncio.gather(*self._running.values(), return_exceptions=True)

    async def reload(self) -> None:
        """Re-read the schedules and (re)create their jobs (after any edit)."""
        if self._scheduler is None:
            return
        self._scheduler.remove_all_jobs()
        for s in await self.store.schedules():
            if not s.paused and s.id is not None:
                self._scheduler.add_job(
                    self._on_job, s.trigger(), args=[s.id], id=str(s.id), name=s.name,
                    coalesce=True, max_instances=1, misfire_grace_time=int(self._grace_s),
                )  # fmt: skip

    def next_run_times(self) -> dict[int, datetime | None]:
        """schedule id -> next fire time (UTC) of its job (unpaused schedules only)."""
        if self._scheduler is None:
            return {}
        return {
            int(job.id): job.next_run_time.astimezone(UTC) if job.next_run_time else None
            for job in self._scheduler.get_jobs()
        }

    # --- schedule edits (GUI) ----------------------------------------------------------
    async def save(self, schedule: ReportSchedule) -> ReportSchedule:
        saved = await (self.store.create(schedule) if schedule.id is None
                       else self.store.update(schedule))  # fmt: skip
        await self.reload()
        return saved

    async def set_paused(self, schedule_id: int, paused: bool) -> ReportSchedule:
        saved = await self.store.set_paused(schedule_id, paused)
        await self.reload()
        return saved

    async def delete(self, schedule_id: int) -> bool:
        done = await self.store.delete(schedule_id)
        await self.reload()
        return done

    # --- firing ------------------------------------------------------------------------
    async def _on_job(self, schedule_id: int) -> None:
        """APScheduler's callback: the occurrence that is due now."""
        schedule = await self.store.get(schedule_id)
        if schedule is None or schedule.paused:
            return
        now = self._clock()
        window = timedelta(seconds=self._grace_s + 60)  # APScheduler drops later misfires
        due = latest_due(schedule, now - window, now) or now
        await self.fire(schedule, due)

    async def catch_up(self) -> list[ReportRun]:
        """Run each schedule's missed occurrence once (late); returns those runs."""
        now = self._clock()
        runs = []
        for s in await self.store.schedules():
            if s.paused or s.id is None:
                continue
            since = await self.store.last_occurrence(s.id)
            anchor = max(t for t in (since, s.updated_at, s.created_at) if t is not None)
            due = latest_due(s, anchor, now)
            if due is not None and (run := await self.fire(s, due, late=True)) is not None:
                runs.append(run)
        return runs

    async def run_now(self, schedule_id: int) -> ReportRun | None:
        """Run a schedule at once (the *Run now* button), recorded as a 'manual' run."""
        schedule = await self.store.get(schedule_id)
        if schedule is None:
            raise LookupError(f"no report schedule {schedule_id}")
        return await self.fire(schedule, self._clock(), manual=True)

    async def fire(self, schedule: ReportSchedule, scheduled_for: datetime, *,
                   late: bool = False, manual: bool = False) -> ReportRun | None:  # fmt: skip
        """Run one occurrence; None if it was already claimed. Overlap -> 'skipped' run."""
        assert schedule.id is not None
        late = not manual and (
            late or (self._clock() - scheduled_for).total_seconds() > self._grace_s
        )
        busy = self._running.get(schedule.id)
        if busy is not None and not busy.done():
            return await self._skip(schedule, scheduled_for, late)
        trigger = "manual" if manual else "catch_up" if late else "schedule"
        task = asyncio.ensure_future(self._run(schedule, scheduled_for, late, trigger))
        self._running[schedule.id] = task
        return await asyncio.shield(task)

    async def _skip(self, s: ReportSchedule, when: datetime, late: bool) -> ReportRun | None:
        run_id = await self.store.claim(s.id, when, started_at=self._clock(), late=late,
                                        trigger="catch_up" if late else "schedule",
                                        strategies=s.strategies, formats=s.formats)  # fmt: skip
        if run_id is None:
            return None
        log.warning("report schedule %r: %s skipped, previous run still going", s.name, when)
        return await self.store.finish(run_id, finished_at=self._clock(), status="skipped",
                                       files=[], error="previous run still running")  # fmt: skip

    async def _run(self, s: ReportSchedule, when: datetime, late: bool,
                   trigger: str) -> ReportRun | None:  # fmt: skip
        run_id = await self.store.claim(s.id, when, started_at=self._clock(), late=late,
                                        trigger=trigger,
                                        strategies=s.strategies, formats=s.formats)  # fmt: skip
        if run_id is None:
            return None
        request = ReportRequest(s.strategies, None, when, s.title, s.formats)
        stem = f"{safe_name(s.name)}-{when.astimezone(UTC):%Y%m%d-%H%M}"
        return await self._execute(run_id, request, Path(s.out_dir), stem, schedule=s)

    async def _period(self, request: ReportRequest, preset: str) -> ReportRequest:
        """A schedule's period ends at its occurrence or at the last stored data, the
        earlier (so the demo's 1M report covers its last month, not an empty one)."""
        end = await self.builder.period_end(request.strategies, request.end)
        start, end = period_for(preset, end)
        return replace(request, start=start, end=end)

    async def _execute(self, run_id: int, request: ReportRequest, folder: Path, stem: str, *,
                       schedule: ReportSchedule | None,
                       progress: Progress | None = None) -> ReportRun:  # fmt: skip
        try:
            if schedule is not None:
                request = await self._period(request, schedule.period)
            report = await self.builder.build(request, progress)
            job = RenderJob(report, request, folder, stem, progress=progress)
            files = await render(job, request.formats, self.renderers)
        except asyncio.CancelledError:
            await self.store.finish(run_id, finished_at=self._clock(), status="failed",
                                    files=[], error="cancelled (shutdown)")  # fmt: skip
            raise
        except Exception as exc:  # a failed run is recorded and alerted, never lost
            log.exception("report run %s failed", run_id)
            error = f"{type(exc).__name__}: {exc}"
            run = await self.store.finish(run_id, finished_at=self._clock(), status="failed",
                                          files=[], error=error)  # fmt: skip
            self._alert(schedule, run)
            return run
        run = await self.store.finish(run_id, finished_at=self._clock(), status="ok",
                                      files=[str(p) for p in files])  # fmt: skip
        self._alert(schedule, run)
        return run

    def _alert(self, schedule: ReportSchedule | None, run: ReportRun) -> None:
        """Failure -> critical alert; success -> OK (resolves an open one)."""
        if self._alerts is None or schedule is None:
            return
        failed = run.status == "failed"
        result = RuleResult(
            rule=alert_rule(schedule),
            status=Status.CRITICAL if failed else Status.OK,
            message=f"report {schedule.name!r} failed: {run.error}" if failed
            else f"report {schedule.name!r} written",
            evidence={"run_id": run.id, "files": list(run.files)},
        )  # fmt: skip
        self._alerts.process([Verdict(strategy_id=ALERT_STRATEGY, ts=self._clock(),
                                      rules=(result,))], self._clock())  # fmt: skip

    # --- ad hoc export (GUI, command line) ---------------------------------------------
    async def export(self, request: ReportRequest, folder: Path, stem: str,
                     progress: Progress | None = None) -> ExportResult:  # fmt: skip
        """Build and write a report now (recorded as an 'export' run)."""
        run_id = await self.store.claim(None, None, started_at=self._clock(), late=False,
                                        trigger="export", strategies=request.strategies,
                                        formats=request.formats)  # fmt: skip
        assert run_id is not None
        run = await self._execute(run_id, request, folder, stem, schedule=None, progress=progress)
        if run.status != "ok":
            raise RuntimeError(run.error or "report export failed")
        return ExportResult(run, tuple(Path(f) for f in run.files))


async def start_report_scheduler(
    store: object, alerts: AlertManager | None, renderers: Mapping[str, Renderer]
) -> ReportScheduler:
    """Create and start the scheduler over a perfdesk Store (app.py / collect wiring)."""
    from perfdesk.services.store.store import Store

    assert isinstance(store, Store)
    scheduler = ReportScheduler(ReportStore(store.pool), ReportBuilder(store), renderers,
                                alerts=alerts)  # fmt: skip
    await scheduler.start()
    return scheduler
