"""Helpers shared by the collector / notify / client-mode tests (a plain module, not conftest)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from perfdesk.services.support.loop_thread import LoopThread
from perfdesk.sim.archetypes import Archetype, StrategySpec
from perfdesk.sim.server import Simulator

ROOT = Path(__file__).resolve().parents[2]


def breaking_specs() -> list[StrategySpec]:
    """One healthy strategy and one that breaks almost at once (drawdown -> critical)."""
    return [
        StrategySpec("alpha-healthy", "Alpha", Archetype.HEALTHY),
        StrategySpec("beta-break", "Beta", Archetype.BREAK, change_at_s=120.0, crash_samples=3),
    ]


@asynccontextmanager
async def simulator(**kwargs: object) -> AsyncIterator[tuple[Simulator, str]]:
    """The engine simulator on its own loop thread (like a real engine elsewhere)."""
    thread = LoopThread("test-sim")
    kwargs.setdefault("strategies", breaking_specs())
    kwargs.setdefault("rate", 20.0)
    sim = Simulator(**kwargs)  # type: ignore[arg-type]
    try:
        url = await thread.acall(sim.start())
        yield sim, url
    finally:
        await thread.acall(sim.stop())
        thread.close()


async def wait_for(condition: Callable[[], bool], what: str, limit_s: float = 90.0) -> None:
    deadline = time.monotonic() + limit_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {limit_s} s waiting for {what}")
        await asyncio.sleep(0.02)


async def wait_for_async(
    read: Callable[[], Awaitable[int]], at_least: int, what: str, limit_s: float = 90.0
) -> None:
    """Wait until the awaited count reaches `at_least` (e.g. rows in the database)."""
    deadline = time.monotonic() + limit_s
    while await read() < at_least:
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {limit_s} s waiting for {what}")
        await asyncio.sleep(0.1)


class CollectorProcess:
    """`perfdesk collect` as a real child process (JSON logs captured to a file)."""

    def __init__(self, dsn: str, engine_url: str, log_path: Path, *extra: str) -> None:
        self.log_path = log_path
        # Data (the disk spool) under the test's directory, as systemd's unit does with
        # XDG_DATA_HOME=/var/lib/perfdesk: never the user's home.
        env = dict(os.environ, PYTHONUNBUFFERED="1", XDG_DATA_HOME=str(log_path.parent / "data"))
        env.pop("PERFDESK_DSN", None)
        env.pop("PERFDESK_SPOOL_DIR", None)
        cmd = [sys.executable, "-m", "perfdesk.cli", "collect", "--dsn", dsn,
               "--engine-url", engine_url, "--heartbeat", "0.2", *extra]  # fmt: skip
        self._log = log_path.open("ab")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=self._log, stderr=self._log)

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    async def wait(self, limit_s: float = 120.0) -> int:
        deadline = time.monotonic() + limit_s
        while self.proc.poll() is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"collector did not exit in {limit_s} s:\n{self.log_text()}")
            await asyncio.sleep(0.05)
        self._log.close()
        return self.proc.returncode

    async def terminate(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return await self.wait()

    async def kill(self) -> int:
        self.proc.kill()
        return await self.wait()
