"""The one way views run background work and come back to the GUI thread.

    ops.run(service.load(sid), owner=self, on_success=self._show, group="history")

`work` is a coroutine (run as a task on the qasync loop) or a plain callable (run in
the default thread-pool executor, for CPU-heavy numpy). `on_success(result)` and
`on_failure(exc)` run on the GUI thread. A newer request with the same `group`
cancels the older one, so the newest wins. When `owner` has been deleted meanwhile the
callbacks are skipped. Failures without an `on_failure` go to the log and to
`runner().failed`, which the main window shows as a notice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)
T = TypeVar("T")
Work = Awaitable[T] | Callable[[], T]


class OpRunner(QObject):
    """Tracks running groups. Signals: failed(str message)."""

    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("perfdesk-op-runner")
        self.groups: dict[str, asyncio.Future[Any]] = {}


def runner() -> OpRunner:
    """The application's OpRunner (created on first use, parented to the app)."""
    app = QApplication.instance()
    found = app.findChild(OpRunner, "perfdesk-op-runner") if app else None
    return found if found is not None else OpRunner(app)


def run(
    work: Work[T],
    *,
    owner: QObject,
    on_success: Callable[[T], None],
    on_failure: Callable[[BaseException], None] | None = None,
    group: str | None = None,
) -> asyncio.Future[T]:
    """Start `work`; must be called on the GUI thread while the qasync loop runs."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        raise RuntimeError(
            "ops.run needs the running qasync event loop (see perfdesk.app)"
        ) from None
    task: asyncio.Future[T] = loop.create_task(_as_coroutine(loop, work))
    if group is not None:
        _replace_group(group, task)
    task.add_done_callback(lambda done: _finish(done, owner, on_success, on_failure, group))
    if asyncio.iscoroutine(work):
        # A task cancelled before it started never awaits `work`: close it quietly then.
        task.add_done_callback(lambda done: work.close() if done.cancelled() else None)
    return task


async def _as_coroutine(loop: asyncio.AbstractEventLoop, work: Work[T]) -> T:
    if callable(work):
        return await loop.run_in_executor(None, work)
    return await work


def _replace_group(group: str, task: asyncio.Future[Any]) -> None:
    groups = runner().groups
    older = groups.get(group)
    if older is not None and not older.done():
        log.debug("op group %s: newer request cancels the older one", group)
        older.cancel()
    groups[group] = task


def _finish(
    task: asyncio.Future[T],
    owner: QObject,
    on_success: Callable[[T], None],
    on_failure: Callable[[BaseException], None] | None,
    group: str | None,
) -> None:
    """Done-callback on the loop (= GUI) thread: dispatch to the right callback."""
    if group is not None and runner().groups.get(group) is task:
        del runner().groups[group]
    if task.cancelled():
        return
    if not shiboken6.isValid(owner):
        log.debug("op finished after its owner was deleted; result dropped")
        return
    exc = task.exception()
    try:
        if exc is None:
            on_success(task.result())
        elif on_failure is not None:
            on_failure(exc)
        else:
            report_failure("Background task failed", exc)
    except Exception as callback_exc:  # noqa: BLE001 - reported: log + visible notice
        report_failure("Updating the view failed", callback_exc)


def report_failure(what: str, exc: BaseException) -> None:
    """Log with the traceback and tell the user (the window shows runner().failed)."""
    log.error("%s: %s", what, exc, exc_info=(type(exc), exc, exc.__traceback__))
    runner().failed.emit(f"{what}: {exc}")
