"""LiveMonitor: per-strategy live state, O(1) per event, validated on demand.

Runs on the backend's event-loop thread (never the GUI thread): `on_events` is called
with each message's fresh events and does constant
work per event; views read `snapshots()` on their repaint timer, which rebuilds only
the strategies that changed since the last read.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic_core import TzInfo

from perfdesk.analytics import validator
from perfdesk.analytics.streaming import EquityStats
from perfdesk.domain.events import DataEvent, EquityEvent, FillEvent, StatusEvent, StrategyInfo
from perfdesk.domain.expectations import Expectations
from perfdesk.domain.snapshot import FloatArray, StrategySnapshot
from perfdesk.domain.status import FeedState, StrategyState
from perfdesk.domain.thresholds import Thresholds
from perfdesk.domain.verdict import Verdict
from perfdesk.services.live.chart_buffer import ChartBuffer

log = logging.getLogger(__name__)

JUDGE_FAILED = validator.JUDGE_FAILED


@dataclass
class _Live:
    """Mutable state of one strategy; only the monitor touches it."""

    strategy_id: str
    name: str
    state: StrategyState = StrategyState.ACTIVE
    expectations: Expectations | None = None
    expectations_saved: bool = False
    """The expectations were saved by a person (Strategy setup): an engine's
    announcement no longer replaces them."""
    stats: EquityStats = field(default_factory=EquityStats)
    chart: ChartBuffer = field(default_factory=ChartBuffer)
    events: int = 0
    version: int = 0
    received_at: float | None = None  # wall-clock time of the last event (time.time())
    watched_from: float | None = None
    """Wall-clock time its stored history was loaded (warm-up): until an event arrives,
    the feed's age counts from then, not from the last stored sample."""
    verdict: Verdict | None = None
    judge_error: str | None = None  # why it could not be judged (None: it could)


class LiveMonitor:
    def __init__(
        self,
        thresholds_for: Callable[[str], Thresholds] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._clock = clock
        self.false_discovery_rate = 0.05
        self._live: dict[str, _Live] = {}
        self._cache: dict[str, StrategySnapshot] = {}
        self._thresholds_for = thresholds_for or (lambda _sid: Thresholds())
        self.feed = FeedState.CONNECTING

    def on_strategy(self, info: StrategyInfo) -> None:
        live = self._get(info.strategy_id)
        live.name, live.state = info.name, info.status
        if info.expectations is not None and not live.expectations_saved:
            live.expectations = info.expectations
        live.version += 1

    def on_event(self, event: DataEvent) -> None:
        """One event: `on_events((event,))`."""
        self._feed((event,))

    def on_events(self, events: Sequence[DataEvent]) -> None:
        """Events that arrived together, in order, with one clock read. An event that
        fails does not stop the others; the first error is raised once all were fed."""
        self._feed(events)

    def _feed(self, events: Sequence[DataEvent]) -> None:
        """Events that arrived together (O(1) each; see `on_events` for errors)."""
        failed: Exception | None = None
        now = self._clock()
        lives = self._live
        for event in events:
            try:
                live = lives.get(event.strategy_id) or self._get(event.strategy_id)
                live.received_at = now
                live.events += 1
                live.version += 1
                if isinstance(event, EquityEvent):
                    ts = epoch_seconds(event.ts)
                    live.stats.update(ts, event.equity)
                    live.chart.append(ts, event.equity)
                elif isinstance(event, FillEvent):
                    live.stats.fill(
                        epoch_seconds(event.ts),
                        event.symbol,
                        event.side,
                        qty=event.qty,
                        price=event.price,
                        fee=event.fee,
                        expected_price=event.expected_price,
                    )
                elif isinstance(event, StatusEvent):
                    live.state = event.status
            except Exception as exc:  # noqa: BLE001 (raised after the batch)
                failed = failed or exc
        if failed is not None:
            raise failed

    def warm(self, strategy_id: str, t: FloatArray, equity: FloatArray) -> None:
        """Feed stored equity samples (oldest first) without counting them as received."""
        live = self._get(strategy_id)
        if live.watched_from is None:
            live.watched_from = self._clock()
        for ts, value in zip(t.tolist(), equity.tolist(), strict=True):
            live.stats.update(ts, value)
            live.chart.append(ts, value)
        live.version += 1

    def warm_fill(
        self,
        strategy_id: str,
        ts: float,
        symbol: str,
        side: Literal["buy", "sell"],
        *,
        qty: float,
        price: float,
        fee: float,
        expected_price: float | None,
    ) -> None:
        """Feed one stored fill without counting it as received."""
        self._get(strategy_id).stats.fill(
            ts, symbol, side, qty=qty, price=price, fee=fee, expected_price=expected_price
        )

    def expectations_of(self, strategy_id: str) -> Expectations | None:
        """What the strategy is judged against now (None: unknown strategy or none)."""
        live = self._live.get(strategy_id)
        return None if live is None else live.expectations

    def set_expectations(self, strategy_id: str, expectations: Expectations) -> None:
        """Saved expectations: they replace the engine's and outlast its announcements."""
        live = self._get(strategy_id)
        live.expectations, live.expectations_saved = expectations, True
        live.version += 1

    def set_feed(self, state: FeedState) -> None:
        if state != self.feed:
            self.feed = state
            for live in self._live.values():
                live.version += 1

    def validate(self, now: datetime | None = None) -> list[Verdict]:
        """Re-evaluate every strategy's rules, with false-discovery control across them
        (`validator.validate_many`, each strategy at `now` on its own event clock)."""
        now = now or datetime.now(UTC)
        wall = now.timestamp()
        lives = list(self._live.values())
        items = [
            validator.Item(
                live.strategy_id,
                live.stats,
                live.expectations,
                self._thresholds_for(live.strategy_id),
                _event_clock(live, wall),
            )
            for live in lives
        ]
        verdicts = validator.validate_many(
            items, now, self.false_discovery_rate, on_error=self._judging_failed
        )
        for live, verdict in zip(lives, verdicts, strict=True):
            if live.verdict is None or _changed(live.verdict, verdict):
                live.version += 1
            live.verdict = verdict
            if verdict.rules[0].rule != JUDGE_FAILED:
                live.judge_error = None
        return verdicts

    def _judging_failed(self, strategy_id: str, exc: Exception) -> None:
        """Log a strategy that could not be judged once per episode (not every cycle)."""
        live = self._live.get(strategy_id)
        reason = f"{type(exc).__name__}: {exc}"
        if live is None or live.judge_error != reason:
            log.error("judging %s failed", strategy_id, exc_info=exc)
        if live is not None:
            live.judge_error = reason

    def snapshots(self) -> dict[str, StrategySnapshot]:
        """Immutable snapshots of every strategy, rebuilt only where changed."""
        for sid, live in self._live.items():
            cached = self._cache.get(sid)
            if cached is None or cached.version != live.version:
                self._cache[sid] = self._snapshot(live)
        return dict(self._cache)

    def _snapshot(self, live: _Live) -> StrategySnapshot:
        return snapshot_of(
            live.strategy_id,
            live.name,
            live.stats,
            live.chart,
            state=live.state,
            version=live.version,
            events=live.events,
            received_at=live.received_at,
            feed=self.feed,
            verdict=live.verdict,
        )

    def _get(self, strategy_id: str) -> _Live:
        live = self._live.get(strategy_id)
        if live is None:
            live = self._live[strategy_id] = _Live(strategy_id, name=strategy_id)
        return live


_PYDANTIC_UTC = TzInfo(0)
_PYDANTIC_EPOCH = datetime(1970, 1, 1, tzinfo=_PYDANTIC_UTC)
_SECOND = timedelta(seconds=1)


def epoch_seconds(ts: datetime) -> float:
    """`ts.timestamp()` (POSIX seconds), the same float, for an aware `ts`.

    Validated timestamps at offset zero carry pydantic's `TzInfo(0)` (one shared
    instance), whose `utcoffset` is a slow call: `timestamp()` costs about 3x more
    than with `datetime.UTC`. Subtracting an epoch with the *same* tzinfo skips the
    offsets (both are zero), and timedelta / timedelta is the integer microseconds
    divided by 10**6, exactly as `timestamp()` computes it. Other zones take
    `timestamp()` itself.
    """
    if ts.tzinfo is _PYDANTIC_UTC:
        return (ts - _PYDANTIC_EPOCH) / _SECOND
    return ts.timestamp()


def snapshot_of(
    strategy_id: str,
    name: str,
    stats: EquityStats,
    chart: ChartBuffer,
    *,
    state: StrategyState,
    version: int,
    events: int,
    received_at: float | None,
    feed: FeedState,
    verdict: Verdict | None,
) -> StrategySnapshot:
    """The immutable snapshot of one strategy's streaming state (live or client mode)."""
    t, y = chart.arrays()
    return StrategySnapshot(
        strategy_id=strategy_id,
        name=name,
        state=state,
        version=version,
        equity=stats.equity if stats.n_samples else None,
        pnl_today=stats.pnl_today,
        drawdown=stats.drawdown,
        max_drawdown=stats.max_drawdown,
        sharpe=stats.daily_sharpe(periods_per_year=252),
        sharpe_days=stats.daily.moments.n,
        events=events,
        last_ts=datetime.fromtimestamp(stats.last_ts, UTC) if stats.n_samples else None,
        received_at=received_at,
        feed=feed,
        verdict=verdict,
        chart_t=t,
        chart_equity=y,
    )


def _event_clock(live: _Live, wall_now: float) -> datetime:
    """`wall_now` expressed on the strategy's event-time clock.

    Event timestamps come from the engine (and run faster than the wall clock in a
    sped-up simulation); staleness is about how long ago the last event *arrived*, so
    the rules get now = last event ts + wall-clock time since it was received. A
    strategy known only from the stored history (after a start, before its engine has
    sent anything) counts from when that history was loaded: a restart after an hour
    away is not an hour-old feed the moment it starts — every strategy raised a stale
    warning at each start, and cleared it a second later when the engine replayed.
    """
    since = live.received_at if live.received_at is not None else live.watched_from
    if since is None or not live.stats.n_samples:
        return datetime.fromtimestamp(wall_now, UTC)
    return datetime.fromtimestamp(live.stats.last_ts + (wall_now - since), UTC)


def _changed(old: Verdict, new: Verdict) -> bool:
    return [(r.rule, r.status, r.value) for r in old.rules] != [
        (r.rule, r.status, r.value) for r in new.rules
    ]
