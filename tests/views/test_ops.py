"""ops.run: results come back on the GUI thread; newest in a group wins; dead owners skipped."""

from __future__ import annotations

import asyncio
import threading

import pytest
from PySide6.QtWidgets import QLabel
from views_factories import until

from perfdesk.views.support import ops


async def _value(v: int, delay: float = 0.0) -> int:
    await asyncio.sleep(delay)
    return v


async def test_coroutine_result_arrives_on_gui_thread(qtbot) -> None:
    owner = QLabel()
    qtbot.addWidget(owner)
    got: list[tuple[int, bool]] = []
    ops.run(
        _value(7),
        owner=owner,
        on_success=lambda v: got.append((v, threading.current_thread() is threading.main_thread())),
    )
    await until(lambda: got)
    assert got == [(7, True)]


async def test_callable_runs_in_executor_and_reports_back(qtbot) -> None:
    owner = QLabel()
    qtbot.addWidget(owner)
    worker: list[str] = []
    done: list[int] = []

    def work() -> int:
        worker.append(threading.current_thread().name)
        return 41 + 1

    ops.run(work, owner=owner, on_success=done.append)
    await until(lambda: done)
    assert done == [42]
    assert worker and worker[0] != threading.main_thread().name


async def test_newest_request_in_group_cancels_older(qtbot) -> None:
    owner = QLabel()
    qtbot.addWidget(owner)
    got: list[int] = []
    first = ops.run(_value(1, 0.2), owner=owner, on_success=got.append, group="g")
    second = ops.run(_value(2, 0.01), owner=owner, on_success=got.append, group="g")
    await until(lambda: got and first.done())
    assert first.cancelled()
    assert second.done()
    assert got == [2]


async def test_failure_goes_to_on_failure_or_to_the_notice(qtbot, caplog) -> None:
    owner = QLabel()
    qtbot.addWidget(owner)

    async def boom() -> int:
        raise ValueError("database unavailable")

    errors: list[BaseException] = []
    ops.run(boom(), owner=owner, on_success=lambda _: None, on_failure=errors.append)
    await until(lambda: errors)
    assert [str(e) for e in errors] == ["database unavailable"]
    notices: list[str] = []
    ops.runner().failed.connect(notices.append)
    ops.run(boom(), owner=owner, on_success=lambda _: None)
    await until(lambda: notices)
    assert notices == ["Background task failed: database unavailable"]
    assert "database unavailable" in caplog.text


async def test_callback_skipped_when_owner_was_deleted(qtbot) -> None:
    owner = QLabel()
    got: list[int] = []
    task = ops.run(_value(5, 0.01), owner=owner, on_success=got.append)
    owner.deleteLater()
    await until(task.done)
    await asyncio.sleep(0.01)
    assert got == []


def test_run_without_loop_says_why(qtbot) -> None:
    owner = QLabel()
    qtbot.addWidget(owner)
    coro = _value(1)
    with pytest.raises(RuntimeError, match="qasync"):
        ops.run(coro, owner=owner, on_success=lambda _: None)
    coro.close()
