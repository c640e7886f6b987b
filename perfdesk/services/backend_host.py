"""BackendHost: the live backend on its own event-loop thread, away from the GUI thread.

The engine link, the store, validation and alerting all run on the host's loop; the
GUI thread reads `runtime.published` (an immutable LiveView) and hands work to the
backend with `call` (fire and forget) or `run` (await a coroutine's result).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

from perfdesk.services.bootstrap import Backend, start_backend
from perfdesk.services.loop_thread import LoopThread

T = TypeVar("T")


class BackendHost:
    def __init__(self) -> None:
        self._thread = LoopThread("perfdesk-backend")
        self.backend: Backend | None = None

    async def start(
        self,
        dsn: str | None,
        engine_url: str | None,
        *,
        demo: bool = False,
        token: str | None = None,
        data_dir: Path | None = None,
    ) -> Backend:
        self.backend = await self._thread.acall(
            start_backend(dsn, engine_url, demo=demo, token=token, data_dir=data_dir)
        )
        return self.backend

    async def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run `coro` on the backend loop; await its result from the caller's loop."""
        return await self._thread.acall(coro)

    def call(self, fn: Callable[..., object], *args: object) -> None:
        """Call `fn(*args)` on the backend loop, soon; returns at once."""
        self._thread.loop.call_soon_threadsafe(fn, *args)

    async def stop(self) -> None:
        try:
            if self.backend is not None:
                await self._thread.acall(self.backend.stop())
        finally:
            self._thread.close()
