"""HistoryService: load and analyse a strategy's (or several) history for a range.

    service = HistoryService(store)
    result = await service.analyze(HistoryRequest("trend", preset="6M"), thresholds)

Runs on the loop that owns the Store's pool (the backend loop; from the GUI use
`BackendHost.run`). Reads rollups, not raw samples, whenever the range allows: ≤ 2 days
→ raw samples, ≤ 200 days (6M) → 1-minute bars, longer → 1-day bars (daily returns always
come from the 1-day rollup). The numpy analysis runs in a worker thread (several
strategies: in worker processes, `analyze_many`). Cancelling the
awaiting task stops the load at the next query and the analysis at its next stage.
Progress goes to an optional `progress(fraction 0..1, message)` callback, called on the
backend loop thread or the worker thread: it must be thread-safe (a Qt signal emit is).
"""

from __future__ import annotations

import asyncio
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import numpy as np

from perfdesk.analytics import history_analysis, history_replay
from perfdesk.analytics.history_types import (
    DailyBars,
    HistoryAnalysis,
    HistoryInput,
    ThresholdTest,
)
from perfdesk.domain.thresholds import Thresholds
from perfdesk.services.history import queries as q
from perfdesk.services.history import workers
from perfdesk.services.store.store import Bars, Store

Resolution = Literal["auto", "raw", "1m", "1d"]
Progress = Callable[[float, str], None]
PRESETS = ("1M", "3M", "6M", "YTD", "1Y", "ALL")
RAW_MAX = timedelta(days=2)
MINUTE_MAX = timedelta(days=200)
LOADS_AHEAD = 2
"""Strategies `analyze_many` reads at once (each read uses up to three connections)."""
PROCESS_MIN_BATCH = 8
"""Fewer strategies are analysed one by one in a thread: a new worker process spends
~0.3-0.8 s on its first analysis (per-process caches), more than two strategies save."""


class HistoryError(LookupError):
    """The request cannot be served (unknown strategy, no data in the range)."""


@dataclass(frozen=True)
class HistoryRequest:
    """What to load: a strategy and either a preset ("1M" … "ALL") or [start, end)."""

    strategy_id: str
    preset: str | None = "6M"
    start: datetime | None = None
    end: datetime | None = None
    resolution: Resolution = "auto"


def preset_range(preset: str, last: datetime, first: datetime) -> tuple[datetime, datetime]:
    """[start, end) of a preset, anchored at the day after the strategy's last data
    (so a stopped strategy still shows its last months); starts at 00:00 UTC."""
    end = _midnight(last) + timedelta(days=1)
    if preset == "ALL":
        return _midnight(first), end
    if preset == "YTD":
        return datetime(last.year, 1, 1, tzinfo=UTC), end
    months = {"1M": 1, "3M": 3, "6M": 6, "1Y": 12}.get(preset)
    if months is None:
        raise ValueError(f"unknown range preset {preset!r}; use one of {', '.join(PRESETS)}")
    return _months_before(end, months), end


def _midnight(ts: datetime) -> datetime:
    ts = ts.astimezone(UTC)
    return datetime(ts.year, ts.month, ts.day, tzinfo=UTC)


def _months_before(ts: datetime, months: int) -> datetime:
    index = ts.year * 12 + ts.month - 1 - months
    year, month = divmod(index, 12)
    day = min(ts.day, 28)
    return datetime(year, month + 1, day, tzinfo=UTC)


def choose_resolution(start: datetime, end: datetime, wanted: Resolution = "auto") -> str:
    """The coarsest source that still shows the range well (see the module docstring)."""
    if wanted != "auto":
        return wanted
    span = end - start
    return "raw" if span <= RAW_MAX else "1m" if span <= MINUTE_MAX else "1d"


class _Cancel:
    """Cancellation flag shared with the worker thread (checked between stages)."""

    def __init__(self, progress: Progress | None) -> None:
        self.event = threading.Event()
        self.progress = progress

    def step(self, fraction: float, message: str) -> None:
        if self.event.is_set():
            raise asyncio.CancelledError("history analysis cancelled")
        if self.progress is not None:
            self.progress(fraction, message)


class HistoryService:
    """Async history loading + analysis over a Store (see the module docstring)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._workers_started = False

    async def strategies(self) -> list[tuple[str, str]]:
        """(strategy_id, name) of every strategy the database knows."""
        return await q.strategy_ids(self._store.pool)

    async def load(self, request: HistoryRequest, progress: Progress | None = None) -> HistoryInput:
        """The strategy's series and daily bars for the request's range (independent
        reads go at once, on separate pool connections)."""
        step = progress or (lambda _f, _m: None)
        pool = self._store.pool
        sid = request.strategy_id
        meta, span = await asyncio.gather(q.strategy_meta(pool, sid), q.data_span(pool, sid))
        if span is None:
            raise HistoryError(f"strategy {sid!r} has no stored data")
        start, end = self._range(request, span)
        resolution = choose_resolution(start, end, request.resolution)
        step(0.1, f"{sid}: reading daily bars and the {resolution} series")
        bars, (t, equity), go_live = await asyncio.gather(
            self._store.rollups(sid, "1d", _midnight(start), end),
            self._series(sid, resolution, start, end),
            q.first_sample_ts(pool, sid, span),
        )
        step(0.3, f"{sid}: {resolution} series read")
        name, expectations = meta if meta is not None else (sid, None)
        return HistoryInput(
            strategy_id=sid, name=name, resolution=resolution, t=t, equity=equity,
            daily=_daily(bars), expectations=expectations,
            go_live_ts=go_live.timestamp() if go_live else None,
            start_ts=start.timestamp(), end_ts=end.timestamp(),
        )  # fmt: skip

    @staticmethod
    def _range(
        request: HistoryRequest, span: tuple[datetime, datetime]
    ) -> tuple[datetime, datetime]:
        if request.preset is not None:
            return preset_range(request.preset, span[1], span[0])
        start = request.start or _midnight(span[0])
        end = request.end or _midnight(span[1]) + timedelta(days=1)
        if end <= start:
            raise HistoryError(f"empty range: {start.isoformat()} .. {end.isoformat()}")
        return start, end

    async def _series(
        self, sid: str, resolution: str, start: datetime, end: datetime
    ) -> tuple[np.ndarray, np.ndarray]:
        if resolution == "raw":
            return await self._store.equity_series(sid, start, end)
        return await q.bar_closes(self._store.pool, resolution, sid, start, end)

    async def analyze(
        self,
        request: HistoryRequest,
        thresholds: Thresholds | None = None,
        progress: Progress | None = None,
        *,
        replay: bool = True,
    ) -> HistoryAnalysis:
        """Load, then analyse in a worker thread. Raises HistoryError for no data."""
        if not self._workers_started:  # warm `analyze_many`'s processes (background)
            self._workers_started = True
            await asyncio.to_thread(workers.prestart)
        data = await self.load(request, progress)
        return await analyze_in_thread(data, thresholds, progress, replay=replay)

    async def analyze_many(
        self,
        requests: list[HistoryRequest],
        thresholds: Thresholds | None = None,
        progress: Progress | None = None,
    ) -> list[HistoryAnalysis]:
        """Several strategies, results in request order and equal to `analyze` one by
        one. With more than one core the loads run ahead (LOADS_AHEAD at once) while
        earlier strategies are analysed in worker processes (`workers`); progress then
        counts finished strategies. The first error (e.g. a strategy without data)
        cancels the rest and is raised."""
        if len(requests) < PROCESS_MIN_BATCH or workers.worker_count() < 2:
            return [
                await self.analyze(request, thresholds, _scaled(progress, i, len(requests)))
                for i, request in enumerate(requests)
            ]
        gate = asyncio.Semaphore(LOADS_AHEAD)
        finished = 0

        async def one(request: HistoryRequest) -> HistoryAnalysis:
            nonlocal finished
            async with gate:
                data = await self.load(request)
            result = await workers.analyze(data, thresholds)
            finished += 1
            if progress is not None:
                progress(finished / len(requests), f"{request.strategy_id}: analysed")
            return result

        tasks = [asyncio.ensure_future(one(request)) for request in requests]
        try:
            return list(await asyncio.gather(*tasks))
        finally:
            for task in tasks:
                task.cancel()

    async def replay_thresholds(
        self,
        request: HistoryRequest,
        threshold_sets: list[Thresholds | None],
        progress: Progress | None = None,
    ) -> ThresholdTest:
        """Replay several threshold sets (e.g. the draft and the saved one) over one
        history, loaded once (daily bars suffice: resolution "1d" unless asked)."""
        if request.resolution == "auto":
            request = HistoryRequest(
                request.strategy_id, request.preset, request.start, request.end, "1d"
            )
        data = await self.load(request, progress)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            None, history_replay.replay_threshold_sets, data, threshold_sets
        )


def _scaled(progress: Progress | None, index: int, count: int) -> Progress | None:
    if progress is None:
        return None
    return lambda f, msg: progress((index + f) / count, msg)


async def analyze_in_thread(
    data: HistoryInput,
    thresholds: Thresholds | None,
    progress: Progress | None = None,
    *,
    replay: bool = True,
) -> HistoryAnalysis:
    """`history_analysis.analyze` in the default executor; cancelling the awaiting task
    makes the worker stop at its next stage (the thread is never killed mid-numpy)."""
    cancel = _Cancel(progress)
    loop = asyncio.get_running_loop()
    work = loop.run_in_executor(
        None,
        lambda: history_analysis.analyze(data, thresholds, replay=replay, on_step=cancel.step),
    )
    try:
        return await work
    except asyncio.CancelledError:
        cancel.event.set()
        raise


def _daily(bars: Bars) -> DailyBars:
    nan = np.full(len(bars), math.nan)
    return DailyBars(
        day=bars.bucket,
        open=bars["open"] if len(bars) else nan,
        close=bars["close"],
        fees=bars["fees"],
        slippage_cost=bars["slippage_cost"],
        slippage_notional=bars["slippage_notional"],
        notional=bars["notional"],
        fills=bars["fills"],
    )
