"""Calls to a service that lives on another event loop (the backend's), from the views."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")
Run = Callable[[Coroutine[Any, Any, Any]], Awaitable[Any]]
"""Runs a coroutine on the loop that owns the service (the app passes `host.run`)."""


class Hop:
    """Base of the views' service adapters: `_hop(coro)` runs it where the service
    lives (`run`), or here when no `run` is given (tests on one loop)."""

    def __init__(self, run: Run | None = None) -> None:
        self._run = run

    def _hop(self, coro: Coroutine[Any, Any, T]) -> Awaitable[T]:
        return self._run(coro) if self._run is not None else coro
