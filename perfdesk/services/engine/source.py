"""The engine-source seam: where the live runtime gets its events from.

An `EngineSource` reads one execution engine (protocol v1 over WebSocket today; other
engines through adapters) and hands an `EventSink` validated events whose `seq` is
strictly increasing per strategy. Every source keeps the guarantees the pipeline relies
on, whatever the engine gives it:

- each (strategy_id, seq) reaches the sink at most once per process (duplicates are
  dropped and counted in `stats`);
- after a reconnect or a restart it resumes after the last seq stored, which it asks of
  the `Resume` callback (an engine with a cursor of its own maps that to its cursor);
- a message that does not validate goes to `on_dead_letter` with its reason and never
  stops the stream;
- it runs every event through an `EventGuard` first (far-future times, seq jumps,
  strategies beyond the cap are dead-lettered, never accepted);
- it reports its `FeedState` through `on_state`.

The runtime never builds a source itself: it receives a `SourceFactory`, chosen by
configuration through `engine.sources.open_source` (the URL's scheme picks the adapter).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from perfdesk.domain.events import DataEvent, StrategyInfo
from perfdesk.domain.status import FeedState
from perfdesk.services.engine.cursor import CursorStore
from perfdesk.services.engine.guard import EventGuard, GuardConfig
from perfdesk.services.engine.stats import FeedStats

Resume = Callable[[], Awaitable[dict[str, int]]]
"""The last seq stored (or durably spooled) per strategy."""


class EventSink(Protocol):
    """What a source calls, in order. Coroutines are awaited (backpressure): a slow
    sink slows reading, memory stays bounded. One path for events: `on_events`, with
    the fresh events of one message (one or many), in seq order per strategy."""

    async def on_strategy(self, info: StrategyInfo) -> None: ...

    async def on_events(self, events: Sequence[DataEvent]) -> None: ...

    async def on_dead_letter(self, raw: str | bytes, reason: str) -> None: ...

    def on_state(self, state: FeedState) -> None: ...


class EngineSource(Protocol):
    """One engine link: `await run()` until `await stop()`; read `state` and `stats`."""

    state: FeedState
    stats: FeedStats
    guard: EventGuard
    """Refuses valid-but-hostile events before they are accepted (engine/guard.py)."""

    async def run(self) -> None: ...

    async def stop(self) -> None: ...

    @property
    def last_seqs(self) -> dict[str, int]:
        """Highest seq delivered to the sink per strategy in this process."""
        ...

    def last_seq(self, strategy_id: str) -> int:
        """Highest seq delivered for one strategy (0 if none)."""
        ...


class SourceFactory(Protocol):
    """Builds the configured source around the runtime's sink and resume callback.
    `cursors` is where an adapter keeps its engine's cursor (engine/cursor.py); a
    protocol-v1 source needs none, an adapter without one keeps it in memory."""

    def __call__(
        self, sink: EventSink, resume: Resume, /, cursors: CursorStore | None = None
    ) -> EngineSource: ...


@dataclass(frozen=True)
class SourceConfig:
    """What picks and configures a source. `url`'s scheme chooses the adapter
    (`ws://`/`wss://`: protocol v1). `strategies` is what to watch (`*`: all);
    `token` and `ca_file` are the engine's credentials and trust (never logged)."""

    url: str
    token: str | None = None
    ca_file: str | None = None
    strategies: tuple[str, ...] = ("*",)
    insecure: bool = False
    guard: GuardConfig = field(default_factory=GuardConfig.from_environment)
    """Limits on valid-but-hostile input (time window, seq jumps, strategies per engine)."""

    @property
    def subset(self) -> frozenset[str] | None:
        """The strategies to watch, None for all."""
        return None if "*" in self.strategies else frozenset(self.strategies)


class SubsetSink:
    """A sink that passes on only the strategies of `subset`: an engine announces every
    strategy (and may send others' events) even to a subscriber of a few, and another
    collector owns the rest."""

    def __init__(self, sink: EventSink, subset: frozenset[str]) -> None:
        self._sink, self._subset = sink, subset

    async def on_strategy(self, info: StrategyInfo) -> None:
        if info.strategy_id in self._subset:
            await self._sink.on_strategy(info)

    async def on_events(self, events: Sequence[DataEvent]) -> None:
        mine = [e for e in events if e.strategy_id in self._subset]
        if mine:
            await self._sink.on_events(mine)

    async def on_dead_letter(self, raw: str | bytes, reason: str) -> None:
        await self._sink.on_dead_letter(raw, reason)

    def on_state(self, state: FeedState) -> None:
        self._sink.on_state(state)


def subset_resume(resume: Resume, subset: frozenset[str]) -> Resume:
    """`resume` restricted to `subset`."""

    async def mine() -> dict[str, int]:
        return {sid: seq for sid, seq in (await resume()).items() if sid in subset}

    return mine
