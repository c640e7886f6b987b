"""Worker processes for analysing several strategies at once (`analyze_many`).

The analysis is mostly Python (the day-by-day rule replay), so threads share one core
under the GIL; processes use them all. One pool per app, made on first use and kept
(its processes come from a fork server that has imported the analytics once, so a new
worker costs a fork, not a second of imports; `HistoryService.analyze` starts that
server in the background on first use, so a compare after a first look is warm).
Submitting goes through a thread, so the
calling loop never waits for a process to start. A worker that died (BrokenProcessPool)
drops the pool; the next batch makes a new one. A pool with nothing to do for IDLE_S
is shut down, so a desk that compared strategies once in the morning does not keep a
worker per core (each holding its last analysis' memory) all day; the next batch forks
new workers from the fork server (tens of milliseconds).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import sys
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import forkserver
from multiprocessing.context import BaseContext

from perfdesk.analytics import history_analysis, history_batch
from perfdesk.analytics.history_types import HistoryAnalysis, HistoryInput
from perfdesk.domain.thresholds import Thresholds

log = logging.getLogger(__name__)

MAX_WORKERS = 8
PRELOAD = ["perfdesk.analytics.history_analysis", "scipy.stats"]


def worker_count() -> int:
    """Processes a batch may use: one per core (at most MAX_WORKERS)."""
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


IDLE_S = 300.0
"""A pool with no analysis pending for this long is shut down (its workers exit)."""


class _Shared:
    """The app's one pool, made on first use and shut down when idle (thread-safe)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pool: ProcessPoolExecutor | None = None
        self.pending = 0
        self.idle_s = IDLE_S
        self._timer: threading.Timer | None = None

    def executor(self) -> ProcessPoolExecutor:
        with self.lock:
            return self._executor()

    def _executor(self) -> ProcessPoolExecutor:
        if self.pool is None:
            self.pool = ProcessPoolExecutor(worker_count(), mp_context=_context())
        return self.pool

    def submit(
        self, data: HistoryInput, thresholds: Thresholds | None
    ) -> tuple[ProcessPoolExecutor, Future[HistoryAnalysis]]:
        """Submit to the pool, counting the analysis as pending until it is done (the
        count is taken with the pool, so an idle shutdown cannot come in between)."""
        with self.lock:
            pool = self._executor()
            self.pending += 1
            self._cancel_timer()
        try:
            future = pool.submit(history_batch.analyze_detached, data, thresholds)
        except BaseException:
            self._done(None)
            raise
        future.add_done_callback(self._done)
        return pool, future

    def _done(self, _future: Future[HistoryAnalysis] | None) -> None:
        with self.lock:
            self.pending -= 1
            if self.pending == 0 and self.pool is not None:
                self._cancel_timer()
                self._timer = threading.Timer(self.idle_s, self._reap, args=(self.pool,))
                self._timer.daemon = True
                self._timer.start()

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _reap(self, pool: ProcessPoolExecutor) -> None:
        """Shut `pool` down if it is still the pool and nothing was submitted since."""
        with self.lock:
            if self.pool is not pool or self.pending:
                return
            self.pool = None
            self._timer = None
        pool.shutdown(wait=False)
        log.info("history: worker processes idle for %.0f s, shut down", self.idle_s)

    def drop(self, broken: ProcessPoolExecutor) -> None:
        with self.lock:
            if self.pool is broken:
                self.pool = None
        broken.shutdown(wait=False, cancel_futures=True)


def _forkserver() -> bool:
    """Linux/macOS from source; a frozen bundle (PyInstaller) spawns instead."""
    frozen = bool(getattr(sys, "frozen", False))
    return not frozen and "forkserver" in multiprocessing.get_all_start_methods()


def _context() -> BaseContext:
    if not _forkserver():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


shared = _Shared()


def prestart() -> None:
    """Start the fork server now (it imports PRELOAD in its own process, in the
    background), so the first batch forks workers instead of waiting ~1-5 s for
    imports. Blocks for one fork/exec: call it from a thread. Idempotent."""
    if worker_count() < 2 or not _forkserver():
        return
    _context()
    forkserver.ensure_running()


def _submit(
    data: HistoryInput, thresholds: Thresholds | None
) -> tuple[ProcessPoolExecutor, Future[HistoryAnalysis]]:
    try:
        return shared.submit(data, thresholds)
    except BrokenProcessPool:
        broken = shared.pool
        if broken is not None:
            shared.drop(broken)
        return shared.submit(data, thresholds)


async def analyze(data: HistoryInput, thresholds: Thresholds | None) -> HistoryAnalysis:
    """`history_analysis.analyze(data, thresholds)` in a worker process (no progress
    steps). Cancelling drops the result; an analysis already running finishes in its
    process (a fraction of a second) and is thrown away. If the worker dies, the pool
    is dropped and this analysis runs in a thread instead: nothing is lost."""
    pool, future = await asyncio.to_thread(_submit, data, thresholds)
    try:
        result = await asyncio.wrap_future(future)
    except BrokenProcessPool:
        log.warning("a history worker process died; analysing %s in a thread", data.strategy_id)
        shared.drop(pool)
        return await asyncio.to_thread(history_analysis.analyze, data, thresholds)
    return history_batch.attach(result, data)
