"""Where the History page gets its analyses: the HistoryService, on whichever loop owns
the Store's pool.

    source = ServiceHistorySource(HistoryService(backend.store), run=host.run)  # app
    source = ServiceHistorySource(HistoryService(store))                        # same loop

`run` moves a coroutine onto the backend loop and returns an awaitable for the GUI loop
(`BackendHost.run`); cancelling that awaitable cancels the work on the backend loop.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Protocol, TypeVar

from perfdesk.analytics.history_types import HistoryAnalysis, ThresholdTest
from perfdesk.domain.thresholds import Thresholds
from perfdesk.services.history.service import HistoryRequest, HistoryService, Progress

T = TypeVar("T")
Runner = Callable[[Coroutine[Any, Any, Any]], Awaitable[Any]]


class HistorySource(Protocol):
    def strategies(self) -> Awaitable[list[tuple[str, str]]]: ...

    def analyze(
        self,
        requests: list[HistoryRequest],
        thresholds: Thresholds | None = None,
        progress: Progress | None = None,
    ) -> Awaitable[list[HistoryAnalysis]]: ...

    def replay_thresholds(
        self, request: HistoryRequest, threshold_sets: list[Thresholds | None]
    ) -> Awaitable[ThresholdTest]: ...


class ServiceHistorySource:
    """A HistoryService behind an optional loop hop (see the module docstring)."""

    def __init__(self, service: HistoryService, run: Runner | None = None) -> None:
        self.service = service
        self._run = run

    def _hop(self, coro: Coroutine[Any, Any, T]) -> Awaitable[T]:
        return coro if self._run is None else self._run(coro)

    def strategies(self) -> Awaitable[list[tuple[str, str]]]:
        return self._hop(self.service.strategies())

    def analyze(
        self,
        requests: list[HistoryRequest],
        thresholds: Thresholds | None = None,
        progress: Progress | None = None,
    ) -> Awaitable[list[HistoryAnalysis]]:
        return self._hop(self.service.analyze_many(requests, thresholds, progress))

    def replay_thresholds(
        self, request: HistoryRequest, threshold_sets: list[Thresholds | None]
    ) -> Awaitable[ThresholdTest]:
        return self._hop(self.service.replay_thresholds(request, threshold_sets))
