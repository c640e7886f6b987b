"""Report schedules and runs in PostgreSQL (tables from migrations 0003 and 0200).

A schedule is a 5-field crontab rule ("0 7 * * *" = daily at 07:00) in an explicit IANA
time zone, the strategies (empty = every strategy), the formats, the output folder and
the period each report covers. Every run is a row: started, finished, files, error,
late (a catch-up of an occurrence missed while nothing was running). Coroutines run on
the loop that owns the pool (the backend loop).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

FORMATS = ("pdf", "html", "csv")
PERIODS = ("1M", "3M", "6M", "YTD", "1Y", "ALL")


class ScheduleError(ValueError):
    """A schedule field is invalid; the message names the field and the problem."""


@dataclass(frozen=True)
class ReportSchedule:
    name: str
    cron: str
    timezone: str
    out_dir: str
    strategies: tuple[str, ...] = ()
    formats: tuple[str, ...] = ("pdf",)
    period: str = "1M"
    title: str | None = None
    paused: bool = False
    id: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def trigger(self) -> CronTrigger:
        """The APScheduler trigger (raises ScheduleError for a bad rule or zone)."""
        return cron_trigger(self.cron, self.timezone)

    def validated(self) -> ReportSchedule:
        """Self, after checking every field (ScheduleError names the first bad one)."""
        if not self.name.strip():
            raise ScheduleError("name: a schedule needs a name")
        self.trigger()
        bad = [f for f in self.formats if f not in FORMATS]
        if bad or not self.formats:
            raise ScheduleError(f"formats: choose from {', '.join(FORMATS)} (got {bad or 'none'})")
        if self.period not in PERIODS:
            raise ScheduleError(f"period: {self.period!r} is not one of {', '.join(PERIODS)}")
        if not self.out_dir.strip():
            raise ScheduleError("out_dir: choose the folder reports are written to")
        return self


@dataclass(frozen=True)
class ReportRun:
    id: int
    schedule_id: int | None
    scheduled_for: datetime | None
    started_at: datetime
    finished_at: datetime | None
    status: str  # running | ok | failed | skipped
    late: bool
    trigger: str  # schedule | catch_up | manual | export
    files: tuple[str, ...] = ()
    error: str | None = None
    strategies: tuple[str, ...] = field(default=())
    formats: tuple[str, ...] = field(default=())


def cron_trigger(cron: str, timezone: str) -> CronTrigger:
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ScheduleError(f"timezone: unknown time zone {timezone!r}") from exc
    try:
        return CronTrigger.from_crontab(cron, timezone=zone)
    except ValueError as exc:
        raise ScheduleError(f"cron: {cron!r} is not a 5-field crontab rule ({exc})") from exc


def simple_cron(kind: str, hour: int, minute: int = 0, *, weekday: int = 0, day: int = 1) -> str:
    """Crontab for the GUI's simple forms: daily, weekly (weekday 0 = Monday), monthly."""
    if kind == "daily":
        return f"{minute} {hour} * * *"
    if kind == "weekly":
        return f"{minute} {hour} * * {_DAYS[weekday]}"
    if kind == "monthly":
        return f"{minute} {hour} {day} * *"
    raise ScheduleError(f"kind: {kind!r} is not daily, weekly or monthly")


def _schedule(row: Any) -> ReportSchedule:
    return ReportSchedule(
        name=row["name"], cron=row["cron"], timezone=row["timezone"], out_dir=row["out_dir"],
        strategies=tuple(row["strategies"]), formats=tuple(row["formats"]),
        period=row["period"], title=row["title"], paused=row["paused"], id=row["id"],
        created_at=row["created_at"], updated_at=row["updated_at"],
    )  # fmt: skip


def _run(row: Any) -> ReportRun:
    return ReportRun(
        id=row["id"], schedule_id=row["schedule_id"], scheduled_for=row["scheduled_for"],
        started_at=row["started_at"], finished_at=row["finished_at"], status=row["status"],
        late=row["late"], trigger=row["trigger"], files=tuple(row["files"]), error=row["error"],
        strategies=tuple(row["strategies"]), formats=tuple(row["formats"]),
    )  # fmt: skip


_COLUMNS = "name, strategies, formats, cron, timezone, out_dir, period, title, paused"


def _args(s: ReportSchedule) -> tuple[Any, ...]:
    return (s.name, list(s.strategies), list(s.formats), s.cron, s.timezone, s.out_dir,
            s.period, s.title, s.paused)  # fmt: skip


class ReportStore:
    """Schedules and runs over an asyncpg pool (SQL parameterised throughout)."""

    def __init__(self, pool: Any) -> None:
        self._pool = pool

    async def create(self, schedule: ReportSchedule) -> ReportSchedule:
        s = schedule.validated()
        row = await self._pool.fetchrow(
            f"INSERT INTO report_schedules ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8,"  # noqa: S608 - constant column list
            " $9) RETURNING *",
            *_args(s),
        )
        return _schedule(row)

    async def update(self, schedule: ReportSchedule) -> ReportSchedule:
        s = schedule.validated()
        row = await self._pool.fetchrow(
            "UPDATE report_schedules SET name = $1, strategies = $2, formats = $3, cron = $4,"
            " timezone = $5, out_dir = $6, period = $7, title = $8, paused = $9,"
            " updated_at = now() WHERE id = $10 RETURNING *",
            *_args(s), s.id,
        )  # fmt: skip
        if row is None:
            raise LookupError(f"no report schedule {s.id}")
        return _schedule(row)

    async def set_paused(self, schedule_id: int, paused: bool) -> ReportSchedule:
        found = await self.get(schedule_id)
        if found is None:
            raise LookupError(f"no report schedule {schedule_id}")
        return await self.update(replace(found, paused=paused))

    async def delete(self, schedule_id: int) -> bool:
        """Delete a schedule; its runs stay (schedule_id set to NULL) for the record."""
        done = await self._pool.execute("DELETE FROM report_schedules WHERE id = $1", schedule_id)
        return bool(done.endswith(" 1"))

    async def get(self, schedule_id: int) -> ReportSchedule | None:
        row = await self._pool.fetchrow("SELECT * FROM report_schedules WHERE id = $1", schedule_id)
        return None if row is None else _schedule(row)

    async def schedules(self) -> list[ReportSchedule]:
        rows = await self._pool.fetch("SELECT * FROM report_schedules ORDER BY name, id")
        return [_schedule(r) for r in rows]

    async def claim(
        self, schedule_id: int | None, scheduled_for: datetime | None, *,
        started_at: datetime, late: bool, trigger: str,
        strategies: tuple[str, ...], formats: tuple[str, ...],
    ) -> int | None:  # fmt: skip
        """Insert a 'running' row; None if this occurrence was already claimed (by another
        process on the same database, or an earlier start of this one)."""
        value: int | None = await self._pool.fetchval(
            "INSERT INTO report_runs (schedule_id, scheduled_for, started_at, late, trigger,"
            " strategies, formats) VALUES ($1, $2, $3, $4, $5, $6, $7)"
            " ON CONFLICT DO NOTHING RETURNING id",
            schedule_id, scheduled_for, started_at, late, trigger, list(strategies), list(formats),
        )  # fmt: skip
        return value

    async def finish(self, run_id: int, *, finished_at: datetime, status: str,
                     files: list[str], error: str | None = None) -> ReportRun:  # fmt: skip
        row = await self._pool.fetchrow(
            "UPDATE report_runs SET finished_at = $2, status = $3, files = $4, error = $5"
            " WHERE id = $1 RETURNING *",
            run_id, finished_at, status, files, error,
        )  # fmt: skip
        return _run(row)

    async def runs(self, schedule_id: int | None = None, limit: int = 200) -> list[ReportRun]:
        """Newest first; every run when `schedule_id` is None."""
        rows = await self._pool.fetch(
            "SELECT * FROM report_runs WHERE ($1::bigint IS NULL OR schedule_id = $1)"
            " ORDER BY started_at DESC, id DESC LIMIT $2",
            schedule_id, limit,
        )  # fmt: skip
        return [_run(r) for r in rows]

    async def last_occurrence(self, schedule_id: int) -> datetime | None:
        """The latest scheduled time that has a run row (any status; a manual *Run now*
        is no occurrence of the schedule, so it does not hide a missed one)."""
        value: datetime | None = await self._pool.fetchval(
            "SELECT max(scheduled_for) FROM report_runs WHERE schedule_id = $1"
            " AND trigger <> 'manual'",
            schedule_id,
        )
        return value


_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class SimpleRule:
    """A crontab rule the GUI's simple form can show: daily, weekly or monthly."""

    kind: str  # daily | weekly | monthly
    hour: int
    minute: int
    weekday: int = 0  # 0 = Monday (weekly)
    day: int = 1  # day of month (monthly)

    @property
    def cron(self) -> str:
        return simple_cron(self.kind, self.hour, self.minute, weekday=self.weekday, day=self.day)


def parse_simple(cron: str) -> SimpleRule | None:
    """The simple form of a rule made by `simple_cron`, or None for any other rule."""
    parts = cron.split()
    if len(parts) != 5 or not (parts[0].isdigit() and parts[1].isdigit()):
        return None
    minute, hour, dom, month, dow = int(parts[0]), int(parts[1]), parts[2], parts[3], parts[4]
    if month != "*":
        return None
    if dom == "*" and dow == "*":
        return SimpleRule("daily", hour, minute)
    if dom == "*" and dow in _DAYS:
        return SimpleRule("weekly", hour, minute, weekday=_DAYS.index(dow))
    if dom.isdigit() and dow == "*":
        return SimpleRule("monthly", hour, minute, day=int(dom))
    return None


def describe(schedule: ReportSchedule) -> str:
    """Describe when a schedule runs: 'daily at 07:00 (Europe/Paris)', or its crontab rule."""
    rule = parse_simple(schedule.cron)
    if rule is None:
        return f"cron {schedule.cron} ({schedule.timezone})"
    at = f"at {rule.hour:02d}:{rule.minute:02d}"
    when = {
        "daily": f"daily {at}",
        "weekly": f"weekly on {_DAYS[rule.weekday].title()} {at}",
        "monthly": f"monthly on day {rule.day} {at}",
    }[rule.kind]
    return f"{when} ({schedule.timezone})"
