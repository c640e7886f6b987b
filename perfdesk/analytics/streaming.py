"""Streaming (incremental) state of one live strategy: O(1) work per event.

Owned by whoever feeds it (the LiveMonitor, on the event-loop thread); not thread-safe.
Timestamps are POSIX seconds, UTC. Equity is in the account currency. Drawdowns are
positive fractions of the running peak (0.12 = 12 % below the peak). Per-sample returns
are simple returns between consecutive equity samples; daily returns are close-to-close
returns of the last sample of each UTC day (see `DailyReturns`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from math import floor
from typing import Concatenate, Literal, ParamSpec

from perfdesk.analytics.drift import DriftTracker

SECONDS_PER_DAY = 86_400.0
_P = ParamSpec("_P")


@dataclass(slots=True)
class RunningMoments:
    """Welford running mean and variance (sample variance, ddof=1) of a stream of floats."""

    n: int = 0
    mean: float = 0.0
    m2: float = 0.0

    def push(self, x: float) -> None:
        self.n += 1
        delta = x - self.mean
        self.mean += delta / self.n
        self.m2 += delta * (x - self.mean)

    @property
    def variance(self) -> float:
        """Sample variance (ddof=1); NaN below two observations."""
        return self.m2 / (self.n - 1) if self.n > 1 else math.nan

    @property
    def std(self) -> float:
        var = self.variance
        return math.sqrt(var) if var > 0 else (0.0 if var == 0 else math.nan)

    def sharpe(self, periods_per_year: float) -> float | None:
        """Annualised Sharpe ratio (risk-free 0), None below 2 values or with zero variance."""
        if self.n < 2:
            return None
        std = self.std
        if not std > 1e-300:
            return None
        return self.mean / std * math.sqrt(periods_per_year)


def _utc_day(ts: float) -> int:
    return floor(ts / SECONDS_PER_DAY)


_POWERS_FINITE = 1e75
"""Largest daily return whose 4th power (and any sum of a few million) stays finite."""


@dataclass(slots=True)
class DailyReturns:
    """Close-to-close daily returns of an equity stream, finalised when a UTC day rolls.

    The most recent (unfinished) day is not in `values`; `pending()` gives its return so far.
    """

    values: list[float] = field(default_factory=list)
    days: list[int] = field(default_factory=list)
    moments: RunningMoments = field(default_factory=RunningMoments)
    power_sums: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0, 0.0])
    prev_close: float | None = None
    day: int | None = None
    close: float = 0.0

    def update(self, ts: float, equity: float) -> float | None:
        """Feed one sample; returns the return of a day that just closed, else None."""
        return self.update_day(_utc_day(ts), equity)

    def update_day(self, day: int, equity: float) -> float | None:
        """`update` with the sample's UTC day (`_utc_day(ts)`) already computed."""
        finished: float | None = None
        current = self.day
        if current is None:
            self.day = day
        elif day > current:
            finished = self._close_day()
            self.day = day
        self.close = equity
        return finished

    def _close_day(self) -> float | None:
        ret = None
        if self.prev_close is not None and self.prev_close > 0:
            ret = self.close / self.prev_close - 1.0
            self.values.append(ret)
            self.days.append(self.day if self.day is not None else 0)
            self.moments.push(ret)
            ps = self.power_sums
            if abs(ret) < _POWERS_FINITE:
                ps[0] += ret
                ps[1] += ret * ret
                ps[2] += ret**3
                ps[3] += ret**4
            else:  # e.g. equity 1e-171 then 1.0: ret**3 would raise OverflowError
                ps[:] = [math.nan] * 4  # no shape from these days (see `shape`)
        self.prev_close = self.close
        return ret

    def shape(self) -> tuple[int, float, float, float]:
        """(n, per-day Sharpe (ddof=1), moment skewness γ₃, raw moment kurtosis γ₄) of the
        finished days, O(1) from running power sums; NaNs below 2 days or no variance."""
        n = len(self.values)
        if n < 2:
            return n, math.nan, math.nan, math.nan
        s1, s2, s3, s4 = (x / n for x in self.power_sums)
        if not math.isfinite(s4):
            return n, math.nan, math.nan, math.nan
        mu = s1
        m2 = s2 - mu * mu
        if m2 <= 1e-30:
            return n, math.nan, math.nan, math.nan
        m3 = s3 - 3 * mu * s2 + 2 * mu**3
        m4 = s4 - 4 * mu * s3 + 6 * mu * mu * s2 - 3 * mu**4
        sd = math.sqrt(m2 * n / (n - 1))
        return n, mu / sd, m3 / m2**1.5, m4 / (m2 * m2)

    def pending(self) -> float | None:
        """Return of the current (unfinished) day so far, if a previous close exists."""
        if self.prev_close is None or self.prev_close <= 0:
            return None
        return self.close / self.prev_close - 1.0


@dataclass(slots=True)
class _Position:
    qty: float = 0.0  # signed: > 0 long
    avg_price: float = 0.0


@dataclass(slots=True)
class TradeStats:
    """Fills, slippage and round-trip wins of one strategy, O(1) per fill.

    A *trade* is a fill that reduces a position (average-cost accounting per symbol);
    it wins when its realised P&L net of its share of the fee is positive. Slippage is
    in basis points against `expected_price`, positive when worse (paid more on a buy,
    received less on a sell).
    """

    fills: int = 0
    first_ts: float | None = None
    last_ts: float = 0.0
    wins: int = 0
    losses: int = 0
    slippage_bps: RunningMoments = field(default_factory=RunningMoments)
    positions: dict[str, _Position] = field(default_factory=dict)

    def update(
        self,
        ts: float,
        symbol: str,
        side: Literal["buy", "sell"],
        *,
        qty: float,
        price: float,
        fee: float = 0.0,
        expected_price: float | None = None,
    ) -> None:
        self.fills += 1
        self.first_ts = ts if self.first_ts is None else min(self.first_ts, ts)
        self.last_ts = max(self.last_ts, ts)
        sign = 1.0 if side == "buy" else -1.0
        if expected_price is not None and expected_price > 0:
            self.slippage_bps.push(sign * (price - expected_price) / expected_price * 1e4)
        self._book(self.positions.setdefault(symbol, _Position()), sign, qty, price, fee)

    def _book(self, pos: _Position, sign: float, qty: float, price: float, fee: float) -> None:
        if pos.qty == 0 or (pos.qty > 0) == (sign > 0):
            total = abs(pos.qty) + qty
            pos.avg_price = (pos.avg_price * abs(pos.qty) + price * qty) / total
            pos.qty += sign * qty
            return
        closed = min(qty, abs(pos.qty))
        pnl = (price - pos.avg_price) * closed * (1.0 if pos.qty > 0 else -1.0)
        pnl -= fee * closed / qty
        self.wins += pnl > 0
        self.losses += pnl < 0
        pos.qty += sign * qty
        if abs(pos.qty) < 1e-12:
            pos.qty = 0.0
        elif (pos.qty > 0) == (sign > 0):
            pos.avg_price = price  # flipped: the remainder opened at this price

    @property
    def trades(self) -> int:
        """Closed trades with a non-zero P&L."""
        return self.wins + self.losses

    @property
    def win_rate(self) -> float | None:
        return self.wins / self.trades if self.trades else None


def _to_trades(
    method: Callable[Concatenate[TradeStats, _P], None],
) -> Callable[Concatenate[EquityStats, _P], None]:
    """`method` of the strategy's TradeStats as a method of EquityStats (same signature)."""

    def forward(self: EquityStats, /, *args: _P.args, **kwargs: _P.kwargs) -> None:
        method(self.trades, *args, **kwargs)

    forward.__doc__ = f"Calls the strategy's {method.__qualname__} (same arguments)."
    return forward


@dataclass(slots=True)
class EquityStats:
    """Running equity, peak, drawdowns, today's P&L and return moments of one strategy.

    `update` must be called with non-decreasing `ts`; an older sample is ignored for the
    time fields but still counted (the store, not this class, enforces ordering by seq).
    """

    equity: float = 0.0
    peak: float = 0.0
    max_drawdown: float = 0.0
    n_samples: int = 0
    first_ts: float = 0.0
    last_ts: float = 0.0
    peak_ts: float = 0.0
    max_drawdown_start: float | None = None
    max_drawdown_end: float | None = None
    day_open: float = 0.0
    returns: RunningMoments = field(default_factory=RunningMoments)
    daily: DailyReturns = field(default_factory=DailyReturns)
    trades: TradeStats = field(default_factory=TradeStats)
    drift: DriftTracker | None = None
    _day: int = -(2**62)

    fill = _to_trades(TradeStats.update)
    """Feed one fill: `fill(ts, symbol, side, *, qty, price, fee=0.0, expected_price=None)`
    (see TradeStats.update)."""

    def update(self, ts: float, equity: float) -> None:
        """Feed one equity sample (ts = POSIX seconds UTC).

        The live monitor calls this for every equity event, so the steps are inlined.
        `daily` moves to a new day exactly when `_day` does (both hold the latest UTC
        day seen), so a sample of a day already seen only sets the day's close.
        """
        day = floor(ts / SECONDS_PER_DAY)  # _utc_day(ts)
        previous = self.equity
        if self.n_samples == 0:
            self.first_ts = self.last_ts = self.peak_ts = ts
            self.peak = self.day_open = equity
            self._day = day
            self.daily.update_day(day, equity)
        else:
            if previous > 0:
                self.returns.push(equity / previous - 1.0)
            if day > self._day:
                self._day = day
                self.day_open = previous  # previous day's close
                self.daily.update_day(day, equity)
            else:
                self.daily.close = equity
            if ts > self.last_ts:  # noqa: PLR1730 (max() is a call)
                self.last_ts = ts
        self.equity = equity
        self.n_samples += 1
        peak = self.peak
        if equity >= peak:
            self.peak, self.peak_ts = equity, ts
        elif peak > 0:  # the drawdown below a positive peak (see `drawdown`)
            dd = (peak - equity) / peak
            if dd > self.max_drawdown:
                self.max_drawdown = dd
                self.max_drawdown_start, self.max_drawdown_end = self.peak_ts, ts

    @property
    def drawdown(self) -> float:
        """Current drawdown from the running peak, a positive fraction (0 at a peak)."""
        if self.peak <= 0 or self.equity >= self.peak:
            return 0.0
        return (self.peak - self.equity) / self.peak

    @property
    def drawdown_since(self) -> float | None:
        """POSIX ts of the peak the current drawdown started from; None when at a peak."""
        return self.peak_ts if self.drawdown > 0 else None

    @property
    def pnl_today(self) -> float:
        """Equity change since the previous UTC day's last sample (the day's open).

        On the first day of the stream, since the first sample.
        """
        return self.equity - self.day_open if self.n_samples else 0.0

    @property
    def mean_return(self) -> float:
        """Mean per-sample simple return (NaN before two samples)."""
        return self.returns.mean if self.returns.n else math.nan

    @property
    def var_return(self) -> float:
        """Sample variance (ddof=1) of per-sample simple returns (NaN below 2 returns)."""
        return self.returns.variance

    def sharpe(self, periods_per_year: float = 252) -> float | None:
        """Annualised Sharpe of per-sample returns; `periods_per_year` = samples per year.

        None with fewer than 2 returns or zero variance. For intraday samples use
        `daily_sharpe` (close-to-close daily returns) or pass the sampling frequency.
        """
        return self.returns.sharpe(periods_per_year)

    def daily_sharpe(self, periods_per_year: float = 252) -> float | None:
        """Annualised Sharpe of finished daily returns (None below 2 days / zero variance)."""
        return self.daily.moments.sharpe(periods_per_year)
