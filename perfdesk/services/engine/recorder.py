"""An in-memory EngineHandler: keeps what the client delivered (tests, benchmarks, tools)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Sequence

from perfdesk.domain.events import DataEvent, StrategyInfo
from perfdesk.domain.status import FeedState


class RecordingHandler:
    """Records strategies, events (by strategy), dead letters and state changes.

    `keep_events=False` keeps only counts and seqs (for million-event runs). `changed`
    is set on every delivery so a test can wait for a condition without polling fast.
    """

    def __init__(self, *, keep_events: bool = True) -> None:
        self.strategies: dict[str, StrategyInfo] = {}
        self.events: list[DataEvent] = []
        self.seqs: dict[str, list[int]] = defaultdict(list)
        self.dead_letters: list[tuple[str | bytes, str]] = []
        self.states: list[FeedState] = []
        self.changed = asyncio.Event()
        self._keep = keep_events

    async def on_strategy(self, info: StrategyInfo) -> None:
        self.strategies[info.strategy_id] = info
        self.changed.set()

    async def on_events(self, events: Sequence[DataEvent]) -> None:
        if self._keep:
            self.events.extend(events)
        seqs = self.seqs
        for event in events:
            seqs[event.strategy_id].append(event.seq)
        self.changed.set()

    async def on_dead_letter(self, raw: str | bytes, reason: str) -> None:
        self.dead_letters.append((raw, reason))
        self.changed.set()

    def on_state(self, state: FeedState) -> None:
        self.states.append(state)
        self.changed.set()

    def count(self, strategy_id: str | None = None) -> int:
        """Events delivered (for one strategy, or all)."""
        if strategy_id is not None:
            return len(self.seqs.get(strategy_id, ()))
        return sum(len(s) for s in self.seqs.values())

    async def wait_for(self, condition: Callable[[], object], limit_s: float = 30.0) -> None:
        """Wait until `condition()` is true, re-checking after every change."""
        async with asyncio.timeout(limit_s):
            while not condition():
                self.changed.clear()
                await self.changed.wait()
