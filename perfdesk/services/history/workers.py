"""Worker processes for analysing several strategies at once (`analyze_many`).

The analysis is mostly Python (the day-by-day rule replay), so threads share one core
under the GIL; processes use them all. One pool per app, made on first use and kept
(its processes come from a fork server that has imported the analytics once, so a new
worker costs a fork, not a second of imports; `HistoryService.analyze` starts that
server in the background on first use, so a compare after a first look is warm).
Submitting goes through a thread, so the
calling loop never waits for a process to start. A worker that died (BrokenProcessPool)
drops the pool; the next batch makes a new one.
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


class _Shared:
    """The app's one pool, made on first use (thread-safe)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pool: ProcessPoolExecutor | None = None

    def executor(self) -> ProcessPoolExecutor:
        with self.lock:
            if self.pool is None:
                self.pool = ProcessPoolExecutor(worker_count(), mp_context=_context())
            return self.pool

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
    pool = shared.executor()
    try:
        return pool, pool.submit(history_batch.analyze_detached, data, thresholds)
    except BrokenProcessPool:
        shared.drop(pool)
        pool = shared.executor()
        return pool, pool.submit(history_batch.analyze_detached, data, thresholds)


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
