"""Supervisor: every long-running task of a runtime, restarted when it fails.

A task that raises (or returns while it should run forever) is logged with its stack,
counted, and started again after a backoff (0.2 s doubling to 5 s; reset once it has run
`healthy_after_s` without failing). `health()` says which tasks are failing right now, so
the runtime can raise a system alert and clear it when they recover. Cancellation (stop)
is never counted as a failure. Runs on one event loop; no Qt.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

TaskFactory = Callable[[], Coroutine[Any, Any, Any]]


@dataclass
class TaskHealth:
    """One supervised task. Times are `time.monotonic()` seconds."""

    name: str
    failures: int = 0
    restarts: int = 0
    last_error: str | None = None
    failed_at: float | None = None
    started_at: float | None = None
    in_backoff: bool = False

    def failing(self, now: float, healthy_after_s: float) -> bool:
        """Failed and not yet running healthily again (waiting to restart, or restarted
        less than `healthy_after_s` ago)."""
        if self.failed_at is None:
            return False
        if self.in_backoff or self.started_at is None:
            return True
        return now - self.started_at < healthy_after_s


class Supervisor:
    """`supervise(name, factory)` starts `factory()` as a task and keeps it running until
    `stop()`; `health()` and `failing()` report on them."""

    def __init__(
        self,
        *,
        backoff_s: tuple[float, float] = (0.2, 5.0),
        healthy_after_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._backoff_s = backoff_s
        self.healthy_after_s = healthy_after_s
        self._clock = clock
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._health: dict[str, TaskHealth] = {}
        self._stopping = False

    def supervise(self, name: str, factory: TaskFactory) -> None:
        """Run `factory()` under supervision (a second task of the same name is refused)."""
        if name in self._tasks:
            raise ValueError(f"a task named {name!r} is already supervised")
        self._health[name] = TaskHealth(name)
        loop = asyncio.get_running_loop()
        self._tasks[name] = loop.create_task(self._keep_running(name, factory), name=name)

    @property
    def stopping(self) -> bool:
        return self._stopping

    def health(self) -> list[TaskHealth]:
        return list(self._health.values())

    def failing(self) -> list[TaskHealth]:
        """Tasks that failed and have not recovered yet."""
        now = self._clock()
        return [h for h in self._health.values() if h.failing(now, self.healthy_after_s)]

    def task(self, name: str) -> asyncio.Task[None] | None:
        """The supervising task of `name` (tests and chaos benches cancel what it runs)."""
        return self._tasks.get(name)

    def begin_stop(self) -> None:
        """From now on a task that ends is not restarted (an orderly shutdown stops some
        tasks itself, e.g. the engine link first, then the writer after its flush)."""
        self._stopping = True

    async def stop(self) -> None:
        """Cancel every task and wait for them (failures during stop are not counted)."""
        self._stopping = True
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    async def _keep_running(self, name: str, factory: TaskFactory) -> None:
        health = self._health[name]
        delay = self._backoff_s[0]
        while not self._stopping:
            health.started_at, health.in_backoff = self._clock(), False
            try:
                await factory()
                error = "stopped by itself (it should run until perfdesk stops)"
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
                log.error("task %s failed; restarting it", name, exc_info=exc)
            if self.stopping:
                return
            if health.failed_at is not None and self._clock() - health.started_at > (
                self.healthy_after_s
            ):
                delay = self._backoff_s[0]  # it had run healthily: a fresh failure
            health.failures += 1
            health.last_error, health.failed_at = error, self._clock()
            health.in_backoff = True
            log.warning("task %s: %s; restart in %.1f s", name, error, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._backoff_s[1])
            health.restarts += 1
