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
from typing import Any

from perfdesk.services.host.bootstrap import ensure_database
from perfdesk.services.store.embedded_db import EmbeddedPostgres
from perfdesk.services.support.loop_thread import LoopThread
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


class ServerCpu:
    """CPU seconds used by a PostgreSQL server running on this machine (the postmaster and
    all its processes, including exited backends), read from /proc (Linux).

    `seconds()` is None when the server's processes cannot be read (another host,
    another OS): a benchmark then reports no server CPU rather than a wrong one.
    """

    def __init__(self, postmaster: int | None) -> None:
        self.postmaster = postmaster

    @classmethod
    async def of(cls, pool: Any) -> ServerCpu:
        backend = await pool.fetchval("SELECT pg_backend_pid()")
        stat = _proc_stat(backend)
        if stat is None or stat[0] != "postgres":
            return cls(None)
        parent = _proc_stat(int(stat[2]))
        return cls(int(stat[2]) if parent is not None and parent[0] == "postgres" else None)

    def seconds(self) -> float | None:
        if self.postmaster is None:
            return None
        own = _proc_stat(self.postmaster)
        if own is None:
            return None
        ticks = sum(int(own[i]) for i in (12, 13, 14, 15))  # utime stime cutime cstime
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                child = _proc_stat(int(entry.name))
                if child is not None and int(child[2]) == self.postmaster:
                    ticks += int(child[12]) + int(child[13])
        return ticks / os.sysconf("SC_CLK_TCK")


def _proc_stat(pid: int) -> list[str] | None:
    """[comm, state, ppid, ...] of /proc/PID/stat (field n of proc(5) at index n - 2)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    comm = text[text.index("(") + 1 : text.rindex(")")]
    return [comm, *text[text.rindex(")") + 2 :].split()]
