"""The engine simulator: a protocol-v1 websocket server streaming simulated strategies.

Events are produced on a wall-clock schedule (`rate` equity samples per second per
strategy; each sample covers `speedup / rate` trading seconds) into a bounded history
per strategy, from which every connection streams at its own pace. Runs on the
current asyncio loop; no threads, no Qt.

With `backfill_days`, each strategy first gets that many trading days of healthy
history before the live epoch (seqs 1..K, one equity sample every `backfill_step_s`
trading seconds plus fills), generated when the simulator is built: a client
subscribing without a resume point receives the backfill first, then the live stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl as ssl_lib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import numpy as np

from perfdesk.publish.faults import FaultConfig
from perfdesk.publish.server import ProtocolServer
from perfdesk.publish.session import Draws
from perfdesk.sim.archetypes import StrategySpec, backtest_expectations, default_strategies
from perfdesk.sim.clock import EPOCH, trading_seconds
from perfdesk.sim.feed import StrategyFeed

log = logging.getLogger(__name__)
DEFAULT_SPEEDUP = 1440.0
"""One trading day per wall minute."""
DEFAULT_RATE = 10.0
"""Equity samples per wall second per strategy."""
SAMPLES_PER_TICK = 1000
"""Most samples (over all strategies) generated before yielding to the sessions (~10 ms)."""
TICK_S = 0.01
DEFAULT_BACKFILL_STEP_S = 900.0
"""Trading seconds between two backfill equity samples (96 a trading day)."""


class Simulator(ProtocolServer):
    """A simulated execution engine. `await start()` returns its ws(s):// URL.

    Introspection for tests: `last_seq(id)` (highest seq generated), `events(id)`
    (frames generated: differs from last_seq only with the skip fault), `total_sent`
    (frames generated over all strategies), `pause()`/`unpause()` production,
    `drop_connections()`, `stall(seconds)` and `inject(raw)` for faults on demand.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        strategies: Sequence[StrategySpec] | int = 3,
        seed: int = 0,
        speedup: float = DEFAULT_SPEEDUP,
        rate: float = DEFAULT_RATE,
        history: int = 200_000,
        max_events: int | None = None,
        faults: FaultConfig | None = None,
        token: str | None = None,
        ssl: ssl_lib.SSLContext | None = None,
        heartbeat_s: float = 1.0,
        engine_id: str = "perfdesk-sim",
        epoch: datetime = EPOCH,
        backfill_days: int = 0,
        backfill_step_s: float = DEFAULT_BACKFILL_STEP_S,
        live_until_now: bool = False,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if rate <= 0 or speedup <= 0:
            raise ValueError(f"rate and speedup must be > 0, got rate={rate} speedup={speedup}")
        if backfill_days < 0 or backfill_step_s <= 0:
            raise ValueError(
                f"backfill_days must be >= 0 and backfill_step_s > 0, got "
                f"{backfill_days} and {backfill_step_s}"
            )
        super().__init__(
            host=host,
            port=port,
            token=token,
            ssl=ssl,
            heartbeat_s=heartbeat_s,
            engine_id=engine_id,
            faults=faults,
        )
        self.rate, self.speedup, self.max_events = rate, speedup, max_events
        self._rng = np.random.default_rng(seed)
        self.epoch = epoch
        """Calendar time of trading second 0 (a Monday 00:00 UTC); timestamps follow it."""
        specs = default_strategies(strategies) if isinstance(strategies, int) else strategies
        self.feeds = [self._make_feed(s, history, i) for i, s in enumerate(specs)]
        self.set_channels(self.feeds)
        self._feeds = {f.strategy_id: f for f in self.feeds}
        self.backfill_days = backfill_days
        self.backfilled = sum(f.backfill(backfill_days, backfill_step_s) for f in self.feeds)
        """Frames of the backfill over all strategies (0 without one); seqs 1..K each."""
        for f in self.feeds:
            if f.last_seq > history // 2:
                raise ValueError(
                    f"the backfill of {f.strategy_id} is {f.last_seq} frames: at most half the "
                    f"history ({history} frames) so the live stream stays replayable after it"
                )
        self.live_until_now = live_until_now
        """Never stamp a sample after `clock()` (the wall clock): once the accelerated
        stream reaches the present it goes on in real time (`realtime_from_s`)."""
        self.clock = clock or (lambda: datetime.now(UTC))
        self.realtime_from_s: float | None = None
        """The trading second where the stream switched to real time (None: not yet)."""
        self.on_realtime: Callable[[float], None] | None = None
        """Called once with `realtime_from_s` when the switch happens (the demo keeps it)."""
        self._producer: asyncio.Task[None] | None = None
        self._running = asyncio.Event()
        self._ticked = asyncio.Event()
        self.finished = asyncio.Event()
        """Set once `max_events` have been produced (never without max_events)."""

    def _make_feed(self, spec: StrategySpec, history: int, index: int) -> StrategyFeed:
        derived = int(self._rng.integers(2**31))  # drawn always: other feeds stay the same
        rng = np.random.default_rng([derived, index] if spec.seed is None else spec.seed)
        expectations = backtest_expectations(spec, rng)
        return StrategyFeed(
            spec,
            expectations,
            dt_s=self.speedup / self.rate,
            rng=rng,
            history=history,
            skip_prob=self.faults.skip_prob,
            epoch=self.epoch,
        )

    # -- lifecycle ----------------------------------------------------------------
    async def start(self) -> str:
        """Listen and start producing; returns the URL clients connect to."""
        url = await super().start()
        self._running.set()
        self._producer = asyncio.create_task(self._produce(), name="sim-producer")
        log.info("simulator listening on %s with %d strategies", url, len(self.feeds))
        return url

    async def stop(self) -> None:
        """Stop producing, close every connection and the listening socket."""
        if self._producer is not None:
            self._producer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._producer
        await super().stop()

    # -- introspection and faults on demand -------------------------------------------
    def feed(self, strategy_id: str) -> StrategyFeed:
        return self._feeds[strategy_id]

    def last_seq(self, strategy_id: str) -> int:
        """Highest seq generated so far for the strategy (0 before its first event)."""
        return self._feeds[strategy_id].last_seq

    def events(self, strategy_id: str) -> int:
        """Frames generated for the strategy (= last_seq unless seqs were skipped)."""
        return self._feeds[strategy_id].events

    @property
    def total_sent(self) -> int:
        """Data frames generated (published to the history) over all strategies."""
        return sum(f.events for f in self.feeds)

    async def wait_produced(self, events: int) -> None:
        """Wait until at least `events` data frames exist over all strategies."""
        while self.total_sent < events:
            self._ticked.clear()
            await self._ticked.wait()

    def pause(self) -> None:
        """Stop producing new events (connections keep streaming what exists)."""
        self._running.clear()

    def unpause(self) -> None:
        self._running.set()

    # -- internals ------------------------------------------------------------------
    def _draws(self) -> Draws:
        return np.random.default_rng(int(self._rng.integers(2**63)))  # type: ignore[return-value]

    def _budget(self) -> int | None:
        if self.max_events is None:
            return None
        return max(0, self.max_events - self.total_sent)

    async def _produce(self) -> None:
        """Generate samples on schedule; pausing shifts the schedule, never bursts."""
        loop = asyncio.get_running_loop()
        made, t0 = 0, loop.time()
        per_tick = max(1, SAMPLES_PER_TICK // len(self.feeds))
        while True:
            if not self._running.is_set():
                paused_at = loop.time()
                await self._running.wait()
                t0 += loop.time() - paused_at
            due = int((loop.time() - t0) * self.rate) - made
            n = min(due, per_tick)
            budget = self._budget()
            if budget is not None:
                n = min(n, -(-budget // (2 * len(self.feeds))) if budget else 0)
                if budget == 0:
                    self.finished.set()
                    return
            n = self.produce(n)
            made += n
            await asyncio.sleep(0 if n == per_tick else TICK_S)

    def produce(self, n: int) -> int:
        """Generate `n` due samples in every feed — with `live_until_now`, only those
        stamped at or before now, switching to real time when the stream reaches the
        present — and tell the sessions; returns the samples made per feed."""
        switch = False
        if n > 0 and self.live_until_now:
            n, switch = self._up_to_now(n)
        if n > 0:
            for feed in self.feeds:
                feed.advance(n)
            self.wake()
            self._ticked.set()
        if switch:
            self.go_realtime(self.feeds[0].time_s)
        return n

    def _up_to_now(self, n: int) -> tuple[int, bool]:
        """How many of `n` due samples are stamped at or before now, and whether the
        stream reaches the present with them (then it goes on in real time)."""
        lead = self.feeds[0]  # every feed advances in step
        now_s = trading_seconds(self.clock(), self.epoch)
        # 0.1 µs of slack: sums of 0.1 s steps drift by far less than the µs a stamp shows
        room = max(0, int((now_s - lead.time_s + 1e-7) // lead.next_dt_s))
        if room >= n:
            return n, False
        return room, self.realtime_from_s is None

    def go_realtime(self, at_s: float) -> None:
        """From trading second `at_s` on, one sample every 1/rate trading seconds: the
        stream keeps pace with the wall clock (set again before regenerating a kept demo,
        so the regenerated stream switches at the same sample)."""
        self.realtime_from_s = at_s
        for feed in self.feeds:
            feed.pace_from(at_s, 1.0 / self.rate)
        if self.on_realtime is not None:
            self.on_realtime(at_s)
