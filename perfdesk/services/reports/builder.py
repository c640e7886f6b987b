"""ReportBuilder: gather a report's parts from the database and assemble the Report.

Per strategy: the history analysis of the period (HistoryService: rollups, analysis in
a worker thread), the verdict at the period's end (rules replayed, see
reports.assemble), the alerts open at some time in the period with their acks and
comments, and the threshold changes (audit trail) in the period. Runs on the loop that
owns the Store's pool (the backend loop); `progress(fraction, message)` may be called
from a worker thread (it must be thread-safe).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import asyncpg

from perfdesk.domain.thresholds import Thresholds
from perfdesk.reports import assemble
from perfdesk.reports.model import AlertEntry, Report, StrategyReport, ThresholdChange
from perfdesk.services.alerts.store import AlertStore
from perfdesk.services.history import queries as history_queries
from perfdesk.services.history.service import (
    HistoryError,
    HistoryRequest,
    HistoryService,
    analyze_in_thread,
)
from perfdesk.services.store.config_store import ConfigStore, ThresholdAudit
from perfdesk.services.store.store import Store

log = logging.getLogger(__name__)
Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class ReportRequest:
    """What to report on: strategies (empty = all) over [start, end) (aware datetimes)."""

    strategies: tuple[str, ...]
    start: datetime | None  # None: from the first stored day of the strategies
    end: datetime
    title: str | None = None
    formats: tuple[str, ...] = field(default=("pdf",))


class EmptyPeriodError(HistoryError):
    """The report's period holds no stored data: a report of nothing is not written."""


def period_for(preset: str, end: datetime) -> tuple[datetime | None, datetime]:
    """[start, end) of a schedule's period ending at `end` (start None = all history)."""
    end = end.astimezone(UTC)
    if preset == "ALL":
        return None, end
    if preset == "YTD":
        return datetime(end.year, 1, 1, tzinfo=UTC), end
    months = {"1M": 1, "3M": 3, "6M": 6, "1Y": 12}[preset]
    index = end.year * 12 + end.month - 1 - months
    year, month = divmod(index, 12)
    return end.replace(year=year, month=month + 1, day=min(end.day, 28)), end


class ReportBuilder:
    def __init__(self, store: Store, clock: Callable[[], datetime] | None = None) -> None:
        self._store = store
        self._history = HistoryService(store)
        self._config = ConfigStore(store)
        self._alerts = AlertStore(store.pool)
        self._clock = clock or (lambda: datetime.now(UTC))

    async def strategy_ids(self) -> list[str]:
        return [sid for sid, _ in await self._history.strategies()]

    async def data_end(self, ids: tuple[str, ...] = ()) -> datetime | None:
        """The end of the last stored day of `ids` (all when empty): the next midnight UTC
        after their newest data; None when none of them has any."""
        ids = ids or tuple(await self.strategy_ids())
        spans = [await history_queries.data_span(self._store.pool, sid) for sid in ids]
        lasts = [span[1] for span in spans if span is not None]
        return default_end(max(lasts)) if lasts else None

    async def period_end(self, ids: tuple[str, ...], wanted: datetime) -> datetime:
        """`wanted`, or the end of the stored data when that comes earlier: a period ends
        at the last stored data (the demo's market time runs behind the wall clock)."""
        last = await self.data_end(ids)
        return wanted if last is None else min(wanted, last)

    async def build(self, request: ReportRequest, progress: Progress | None = None) -> Report:
        """The Report for `request` (HistoryError if a strategy has no data at all)."""
        ids = request.strategies or tuple(await self.strategy_ids())
        if not ids:
            raise LookupError("no strategy in the database to report on")
        if request.start is None:
            request = replace(request, start=await self._first_day(ids))
        audit = await self._config.audit(start=request.start, end=request.end, all_scopes=True)
        notes: list[str] = []
        parts = []
        for i, sid in enumerate(ids):
            step = _scaled(progress, i, len(ids))
            try:
                part = await self._strategy(sid, request, audit, step, notes)
            except EmptyPeriodError as exc:
                notes.append(f"{sid} left out: {exc}")
                continue
            except HistoryError as exc:
                if request.strategies:  # asked for by name: the caller must hear it
                    raise
                notes.append(f"{sid} left out: {exc}")  # "every strategy": skip the empty one
                continue
            parts.append(part)
        if not parts:
            raise EmptyPeriodError(f"no stored data to report on ({'; '.join(notes)})")
        title = request.title or _title(parts)
        globals_ = tuple(_change(a) for a in audit if a.scope == "*")
        assert request.start is not None
        return Report(title, request.start, request.end, self._clock(), tuple(parts),
                      globals_, tuple(notes))  # fmt: skip

    async def _strategy(self, sid: str, request: ReportRequest, audit: list[ThresholdAudit],
                        progress: Progress | None, notes: list[str]) -> StrategyReport:  # fmt: skip
        hreq = HistoryRequest(sid, preset=None, start=request.start, end=request.end)
        data = await self._history.load(hreq, progress)
        if data.t.size == 0:
            last = await self.data_end((sid,))
            ends = f"; its data ends on {last - timedelta(days=1):%Y-%m-%d}" if last else ""
            raise EmptyPeriodError(f"no data in {_period_text(request)}{ends}")
        thresholds = await self._thresholds(sid)
        # The day-by-day replay is done once, below, for the verdict (reports do not show
        # the per-day replay summary), so the analysis skips its own.
        analysis = await analyze_in_thread(data, thresholds, progress, replay=False)
        verdict = await asyncio.to_thread(
            assemble.period_verdict, analysis.daily_day, analysis.daily_returns,
            data.expectations, thresholds,
        )  # fmt: skip
        alerts = await self._alerts_in_period(sid, request, notes)
        changes = tuple(_change(a) for a in audit if a.scope == sid)
        return StrategyReport(analysis, verdict, assemble.REPLAY_SOURCE, alerts, changes)

    async def _first_day(self, ids: tuple[str, ...]) -> datetime:
        spans = [await history_queries.data_span(self._store.pool, sid) for sid in ids]
        firsts = [span[0] for span in spans if span is not None]
        if not firsts:
            raise HistoryError(f"no stored data for {', '.join(ids)}")
        first = min(firsts).astimezone(UTC)
        return datetime(first.year, first.month, first.day, tzinfo=UTC)

    async def _thresholds(self, sid: str) -> Thresholds:
        saved = await self._config.load(sid) or await self._config.load(None)
        return saved.thresholds if saved else Thresholds()

    async def _alerts_in_period(self, sid: str, request: ReportRequest,
                                notes: list[str]) -> tuple[AlertEntry, ...]:  # fmt: skip
        start = request.start or datetime.min.replace(tzinfo=UTC)
        try:
            alerts = await self._alerts.list_alerts(strategy_id=sid)
            out = []
            for alert in alerts:
                if assemble.overlaps(alert, start, request.end):
                    history = await self._alerts.history(alert.fingerprint)
                    steps = assemble.in_period(history, start, request.end)
                    out.append(assemble.alert_entry(alert, steps))
        except asyncpg.PostgresError as exc:  # alert tables absent or older than 0100
            log.warning("report for %s: alerts could not be read: %s", sid, exc)
            notes.append(f"Alerts of {sid} could not be read: {exc}")
            return ()
        return tuple(sorted(out, key=lambda e: e.started_at))


def _change(a: ThresholdAudit) -> ThresholdChange:
    return assemble.threshold_change(
        a.at, a.scope, a.version, action=a.action, actor=a.actor, comment=a.comment,
        old=a.old, new=a.new,
    )  # fmt: skip


def _period_text(request: ReportRequest) -> str:
    start = f"{request.start:%Y-%m-%d}" if request.start else "the start"
    return f"{start} .. {request.end - timedelta(days=1):%Y-%m-%d}"


def _title(parts: list[StrategyReport]) -> str:
    if len(parts) == 1:
        return f"Validation report — {parts[0].analysis.name}"
    return f"Validation report — desk of {len(parts)} strategies"


def _scaled(progress: Progress | None, index: int, count: int) -> Progress | None:
    if progress is None:
        return None
    return lambda f, msg: progress((index + f) / count * 0.8, msg)


def default_end(now: datetime) -> datetime:
    """Reports without an explicit end run to the next midnight UTC (today included)."""
    now = now.astimezone(UTC)
    return datetime(now.year, now.month, now.day, tzinfo=UTC) + timedelta(days=1)
