"""Plain result types of the history analysis (input and output), numpy arrays inside.

`HistoryInput` is what the HistoryService loads from the database (or a test builds by
hand); `HistoryAnalysis` is what `history_analysis.analyze` returns and what the history
view and the reports render. Times are POSIX seconds (UTC) as float64; dates are
numpy datetime64[D] (UTC calendar days); returns and drawdowns are fractions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from perfdesk.domain.expectations import Expectations
from perfdesk.domain.status import Status

FloatArray = npt.NDArray[np.float64]
DayArray = npt.NDArray[np.datetime64]


def _empty() -> FloatArray:
    return np.empty(0, dtype=np.float64)


@dataclass(frozen=True)
class DailyBars:
    """One row per UTC day with data: close equity and that day's trading costs.

    `fees`, `slippage_cost` (currency, positive = paid more than expected),
    `slippage_notional` (expected price × qty), `notional` and `fills` are day sums.
    `open` is the day's first equity sample (NaN when the day had fills only).
    """

    day: FloatArray  # POSIX seconds of 00:00 UTC
    open: FloatArray
    close: FloatArray
    fees: FloatArray
    slippage_cost: FloatArray
    slippage_notional: FloatArray
    notional: FloatArray
    fills: FloatArray

    def __len__(self) -> int:
        return int(self.day.size)

    @property
    def dates(self) -> DayArray:
        return (self.day // 86_400).astype("int64").astype("datetime64[D]")


@dataclass(frozen=True)
class HistoryInput:
    """A strategy's history for one range: the equity series and the daily bars.

    `t`/`equity` is the series at the loaded `resolution` ("raw", "1m" or "1d"): the
    close of each bar at its END time (or each raw sample). `go_live_ts` is the time of
    the strategy's first stored sample ever (not only in this range).
    """

    strategy_id: str
    name: str
    resolution: str
    t: FloatArray
    equity: FloatArray
    daily: DailyBars
    expectations: Expectations | None = None
    go_live_ts: float | None = None
    start_ts: float | None = None
    end_ts: float | None = None


@dataclass(frozen=True)
class DrawdownRow:
    """One drawdown episode of the loaded series (depth negative, as empyrical)."""

    start_ts: float
    valley_ts: float
    end_ts: float | None  # None: not recovered yet
    depth: float
    days: float


@dataclass(frozen=True)
class Rolling:
    """Rolling annualised Sharpe and volatility of daily returns over `window` days."""

    day: FloatArray
    sharpe: FloatArray
    volatility: FloatArray
    window: int


@dataclass(frozen=True)
class Distribution:
    """Histogram densities of daily returns, live and backtest, on shared bin edges,
    with the two-sample Kolmogorov-Smirnov statistic and p-value (NaN if a side is empty)."""

    edges: FloatArray
    live: FloatArray
    backtest: FloatArray
    ks_statistic: float
    ks_p_value: float


@dataclass(frozen=True)
class Cone:
    """Block-bootstrap forecast cone from the backtest, anchored at the live start.

    `bands[i]` is the `levels[i]` quantile of simulated wealth (1.0 = start) after
    `days[j]` days; `live` is the live wealth on the same days; `live_percentile` is the
    share of simulated paths ending below the live path's last value.
    """

    days: FloatArray
    levels: tuple[float, ...]
    bands: FloatArray  # (len(levels), len(days))
    live: FloatArray
    live_percentile: float
    block: int
    paths: int


@dataclass(frozen=True)
class GapDecomposition:
    """Live-vs-backtest shortfall split into causes, as fractions of the start equity.

    shortfall = expected − live = slippage + fees + missed_fills + remainder. `slippage`
    is slippage beyond the expected bps; `fees` are all live fees (the backtest profile
    has no fee model); `missed_fills` prices the fills the expected trade rate says were
    missing at the expected return per trade. Positive numbers cost performance.
    """

    expected_return: float
    live_return: float
    shortfall: float
    slippage: float
    fees: float
    missed_fills: float
    remainder: float
    start_equity: float
    expected_fills: float
    live_fills: float

    def as_dict(self) -> dict[str, float]:
        return {k: float(getattr(self, k)) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class FiredAlert:
    """A rule that would have started firing (rose to warning/critical) on `ts`."""

    ts: float
    rule: str
    severity: Status
    message: str


@dataclass(frozen=True)
class ReplaySummary:
    """The draft rule set replayed day by day over the history."""

    day: FloatArray
    status: tuple[Status, ...]
    fired: tuple[FiredAlert, ...]
    per_month: dict[str, dict[str, int]]  # "2026-03" -> {"warning": n, "critical": m}

    @property
    def alert_count(self) -> int:
        return len(self.fired)


@dataclass(frozen=True)
class ThresholdTest:
    """Threshold sets replayed over one history (the threshold form's "test against
    history"): the equity to draw markers on and one ReplaySummary per set, in order."""

    strategy_id: str
    name: str
    t: FloatArray
    equity: FloatArray
    months: tuple[str, ...]
    summaries: tuple[ReplaySummary, ...]


@dataclass(frozen=True)
class HistoryAnalysis:
    """Everything the history view and the reports show for one strategy and range."""

    strategy_id: str
    name: str
    resolution: str
    start_ts: float | None
    end_ts: float | None
    periods_per_year: int
    t: FloatArray
    equity: FloatArray
    underwater: FloatArray
    go_live_ts: float | None
    daily_day: FloatArray
    daily_returns: FloatArray
    backtest_t: FloatArray  # backtest equity before go-live, clipped to the range
    backtest_equity: FloatArray
    metrics: dict[str, Any]
    metrics_backtest: dict[str, Any]
    top_drawdowns: tuple[DrawdownRow, ...]
    monthly: dict[int, list[float]]
    yearly: dict[int, float]
    rolling: Rolling
    distribution: Distribution
    cone: Cone | None
    gap: GapDecomposition | None
    replay: ReplaySummary | None
    notes: tuple[str, ...] = field(default=())
    expected_t: FloatArray = field(default_factory=_empty)
    expected_equity: FloatArray = field(default_factory=_empty)

    @property
    def n_days(self) -> int:
        return int(self.daily_returns.size)


EMPTY = _empty
