"""BackendHost: the live backend on its own event-loop thread, away from the GUI thread.

The engine link, the store, validation and alerting all run on the host's loop; the
GUI thread reads `runtime.published` (an immutable LiveView) and hands work to the
backend with `call` (fire and forget) or `run` (await a coroutine's result).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

from perfdesk.domain.expectations import Expectations
from perfdesk.domain.thresholds import Thresholds
from perfdesk.services.host.bootstrap import Backend, EngineStarter, start_backend
from perfdesk.services.live.config import LiveConfig
from perfdesk.services.store.config_store import ConfigStore, SavedThresholds
from perfdesk.services.support.loop_thread import LoopThread

T = TypeVar("T")


class BackendHost:
    def __init__(self) -> None:
        self._thread = LoopThread("perfdesk-backend")
        self._backend: Backend | None = None
        self._ready: asyncio.Event | None = None
        self._error: BaseException | None = None

    @property
    def backend(self) -> Backend | None:
        return self._backend

    @backend.setter
    def backend(self, backend: Backend | None) -> None:
        self._backend = backend
        if backend is not None:
            self._ready_event().set()

    def _ready_event(self) -> asyncio.Event:
        if self._ready is None:
            self._ready = asyncio.Event()
        return self._ready

    def failed(self, error: BaseException) -> None:
        """The backend could not start: whoever waits for it gets `error`."""
        self._error = error
        self._ready_event().set()

    async def wait_ready(self) -> Backend:
        """The backend, once it has started (awaited on the caller's loop)."""
        await self._ready_event().wait()
        if self._backend is None:
            raise RuntimeError(f"the backend did not start: {self._error}")
        return self._backend

    async def start(
        self,
        dsn: str | None,
        engine_url: str | None,
        *,
        demo: bool = False,
        token: str | None = None,
        data_dir: Path | None = None,
        ca_file: str | None = None,
        fresh: bool = False,
        engine: EngineStarter | None = None,
    ) -> Backend:
        self.backend = await self._thread.acall(
            start_backend(
                dsn,
                engine_url,
                demo=demo,
                token=token,
                data_dir=data_dir,
                ca_file=ca_file,
                fresh=fresh,
                engine=engine,
            )
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


class HostedConfig:
    """The screens' threshold/expectation repository: each call runs LiveConfig on the
    backend loop (waiting for the backend to be up), so a save takes effect live.

    Satisfies the views' ThresholdRepository and ExpectationRepository protocols.
    """

    def __init__(self, host: BackendHost) -> None:
        self._host = host
        self._live: LiveConfig | None = None

    async def _config(self) -> LiveConfig:
        if self._live is None:
            backend = await self._host.wait_ready()
            runtime = backend.runtime
            self._live = LiveConfig(
                ConfigStore(backend.store), runtime.thresholds, runtime.expectation_sink
            )
        return self._live

    async def load(self, strategy_id: str | None) -> SavedThresholds | None:
        live = await self._config()
        return await self._host.run(live.load(strategy_id))

    async def history(self, strategy_id: str | None) -> list[SavedThresholds]:
        live = await self._config()
        return await self._host.run(live.history(strategy_id))

    async def save(
        self,
        strategy_id: str | None,
        thresholds: Thresholds,
        who: str,
        *,
        comment: str | None = None,
    ) -> SavedThresholds:
        live = await self._config()
        return await self._host.run(live.save(strategy_id, thresholds, who, comment=comment))

    async def load_expectations(self, strategy_id: str) -> Expectations | None:
        live = await self._config()
        return await self._host.run(live.load_expectations(strategy_id))

    async def announced_expectations(self, strategy_id: str) -> Expectations | None:
        """The profile the strategy's engine announced (its `strategy` frame), or None."""
        backend = await self._host.wait_ready()
        infos = await self._host.run(backend.store.strategies())
        return next((i.expectations for i in infos if i.strategy_id == strategy_id), None)

    async def save_expectations(
        self, strategy_id: str, expectations: Expectations, who: str
    ) -> int:
        live = await self._config()
        return await self._host.run(live.save_expectations(strategy_id, expectations, who))
