"""Where the Reports page sends its work: the ReportScheduler, on the loop owning the pool.

    source = SchedulerSource(scheduler, run=host.run)   # app: hop to the backend loop
    source = SchedulerSource(scheduler)                 # tests: same loop

Every method returns an awaitable for the GUI loop; generation (queries, numpy, PDF)
runs on the backend loop and its worker threads, never on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

from perfdesk.services.reports.builder import ReportRequest
from perfdesk.services.reports.render import Progress
from perfdesk.services.reports.scheduler import ExportResult, ReportScheduler
from perfdesk.services.reports.store import ReportRun, ReportSchedule

T = TypeVar("T")
Runner = Callable[[Coroutine[Any, Any, Any]], Awaitable[Any]]


class ReportsSource(Protocol):
    def strategies(self) -> Awaitable[list[str]]: ...
    def export(self, request: ReportRequest, folder: Path, stem: str,
               progress: Progress | None = None) -> Awaitable[ExportResult]: ...  # fmt: skip
    def schedules(self) -> Awaitable[list[ReportSchedule]]: ...
    def save(self, schedule: ReportSchedule) -> Awaitable[ReportSchedule]: ...
    def set_paused(self, schedule_id: int, paused: bool) -> Awaitable[ReportSchedule]: ...
    def delete(self, schedule_id: int) -> Awaitable[bool]: ...
    def runs(self) -> Awaitable[list[ReportRun]]: ...
    def next_run_times(self) -> Awaitable[dict[int, datetime | None]]: ...
    def run_now(self, schedule_id: int) -> Awaitable[ReportRun | None]: ...
    def data_end(self, strategies: tuple[str, ...]) -> Awaitable[datetime | None]: ...


class SchedulerSource:
    """A ReportScheduler behind an optional loop hop (see the module docstring)."""

    def __init__(self, scheduler: ReportScheduler, run: Runner | None = None) -> None:
        self.scheduler = scheduler
        self._run = run

    def _hop(self, coro: Coroutine[Any, Any, T]) -> Awaitable[T]:
        return coro if self._run is None else self._run(coro)

    def strategies(self) -> Awaitable[list[str]]:
        return self._hop(self.scheduler.builder.strategy_ids())

    def export(self, request: ReportRequest, folder: Path, stem: str,
               progress: Progress | None = None) -> Awaitable[ExportResult]:  # fmt: skip
        return self._hop(self.scheduler.export(request, folder, stem, progress))

    def schedules(self) -> Awaitable[list[ReportSchedule]]:
        return self._hop(self.scheduler.store.schedules())

    def save(self, schedule: ReportSchedule) -> Awaitable[ReportSchedule]:
        return self._hop(self.scheduler.save(schedule))

    def set_paused(self, schedule_id: int, paused: bool) -> Awaitable[ReportSchedule]:
        return self._hop(self.scheduler.set_paused(schedule_id, paused))

    def delete(self, schedule_id: int) -> Awaitable[bool]:
        return self._hop(self.scheduler.delete(schedule_id))

    def runs(self) -> Awaitable[list[ReportRun]]:
        return self._hop(self.scheduler.store.runs())

    def run_now(self, schedule_id: int) -> Awaitable[ReportRun | None]:
        return self._hop(self.scheduler.run_now(schedule_id))

    def data_end(self, strategies: tuple[str, ...]) -> Awaitable[datetime | None]:
        """End of the last stored day of `strategies` (all when empty), None if no data."""
        return self._hop(self.scheduler.builder.data_end(strategies))

    def next_run_times(self) -> Awaitable[dict[int, datetime | None]]:
        async def read() -> dict[int, datetime | None]:
            return self.scheduler.next_run_times()

        return self._hop(read())
