"""What every rule reads: one strategy's live state, expectations and thresholds at `now`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from perfdesk.analytics.drift import DriftTracker
from perfdesk.analytics.streaming import EquityStats
from perfdesk.domain.expectations import Expectations
from perfdesk.domain.thresholds import Thresholds


@dataclass(frozen=True, slots=True)
class Subject:
    """One strategy at one validation: `now` is an aware UTC datetime on the strategy's
    event clock; `tracker` is its drift tracker (None without a fitted backtest model)."""

    strategy_id: str
    stats: EquityStats
    expectations: Expectations | None
    thresholds: Thresholds
    now: datetime
    tracker: DriftTracker | None

    @property
    def weekdays_only(self) -> bool:
        """A strategy declared with fewer than 365 periods a year trades Monday to Friday."""
        exp = self.expectations
        return exp is not None and exp.periods_per_year < 365
