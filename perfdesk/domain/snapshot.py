"""The live state of one strategy as the views read it (a plain, immutable value)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import numpy.typing as npt

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
    events: int = 0
    last_ts: datetime | None = None
    feed: FeedState = FeedState.CONNECTING
    verdict: Verdict | None = None
    chart_t: FloatArray = field(default_factory=lambda: np.empty(0))
    chart_equity: FloatArray = field(default_factory=lambda: np.empty(0))
