"""The live state of one strategy as the views read it (a plain, immutable value)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import numpy.typing as npt

from perfdesk.domain.alerts import Alert
from perfdesk.domain.status import FeedState, StrategyState
from perfdesk.domain.verdict import Verdict

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class StrategySnapshot:
    """Copy-on-read state of one strategy.

    `chart_t` are POSIX seconds (UTC) and `chart_equity` the matching equity values,
    already thinned for display; `version` increases whenever anything changed, so a
    view can skip repainting an unchanged card.
    """

    strategy_id: str
    name: str
    state: StrategyState
    version: int
    equity: float | None = None
    pnl_today: float = 0.0
    drawdown: float = 0.0
    max_drawdown: float = 0.0
    sharpe: float | None = None
    sharpe_days: int = 0
    """Finished daily returns behind `sharpe` (screens withhold it below the minimum
    sample: perfdesk.analytics.metrics.sample_size)."""
    events: int = 0
    last_ts: datetime | None = None
    received_at: float | None = None
    """Wall-clock time (time.time()) the last event arrived: the feed's freshness, which
    differs from `last_ts` (market time) when the engine replays or runs sped up."""
    feed: FeedState = FeedState.CONNECTING
    verdict: Verdict | None = None
    chart_t: FloatArray = field(default_factory=lambda: np.empty(0))
    chart_equity: FloatArray = field(default_factory=lambda: np.empty(0))


@dataclass(frozen=True, slots=True)
class StorageState:
    """Where stored events stand: is the database reachable, and what waits on disk."""

    db_available: bool = True
    spooled: int = 0
    """Events kept in the disk spool until the database is back."""
    pending: int = 0
    """Events accepted but not yet written (in memory)."""
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class LiveView:
    """Everything the window shows live, published as one immutable value.

    The backend replaces its `published` LiveView several times a second; the GUI
    thread only ever reads the reference, so it never sees half-updated state.
    """

    snapshots: Mapping[str, StrategySnapshot] = field(default_factory=dict)
    alerts: tuple[Alert, ...] = ()
    published_at: float = 0.0
    storage: StorageState = field(default_factory=StorageState)
    engine_security: str | None = None
    """The engine link's security warning for the status bar (FeedStats.security)."""
    engine_refused: str | None = None
    """Valid-but-hostile frames the source refused (far-future times, seq jumps,
    strategies beyond the cap), with the last reason, for the status bar."""
