"""What the benchmarks share: a throwaway database, the simulator on its own thread."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from perfdesk.services.bootstrap import ensure_database
from perfdesk.services.embedded_db import EmbeddedPostgres
from perfdesk.services.loop_thread import LoopThread
from perfdesk.sim.server import Simulator

BENCH_DSN_ENV = "PERFDESK_BENCH_DSN"


@asynccontextmanager
async def temporary_database(name: str = "perfdesk_bench") -> AsyncIterator[str]:
    """A fresh, empty database: on $PERFDESK_BENCH_DSN's server, else an embedded one."""
    server_dsn = os.environ.get(BENCH_DSN_ENV)
    embedded = None
    tmp = Path(tempfile.mkdtemp(prefix="perfdesk-bench-"))
    try:
        if server_dsn is None:
            embedded = EmbeddedPostgres(tmp / "db", settings={"fsync": "off"})
            server_dsn = await asyncio.to_thread(embedded.start)
        yield await ensure_database(server_dsn, name, fresh=True)
    finally:
        if embedded is not None:
            await asyncio.to_thread(embedded.destroy)
        shutil.rmtree(tmp, ignore_errors=True)


@asynccontextmanager
async def simulator_thread(**kwargs: object) -> AsyncIterator[tuple[Simulator, str]]:
    """A Simulator running on its own loop thread; yields it and its URL."""
    thread = LoopThread("bench-sim")
    sim = Simulator(**kwargs)  # type: ignore[arg-type]
    try:
        url = await thread.acall(sim.start())
        yield sim, url
    finally:
        await thread.acall(sim.stop())
        thread.close()


async def wait_until(condition: Callable[[], bool], limit_s: float, what: str) -> None:
    deadline = time.monotonic() + limit_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"benchmark timed out after {limit_s} s waiting for {what}")
        await asyncio.sleep(0.005)
