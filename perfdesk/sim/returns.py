"""Returns with fat tails and volatility clustering: GARCH(1,1) with Student-t shocks.

The variance follows a *daily* GARCH(1,1) (updated at each trading-day boundary from
that day's realised return); intraday samples draw standardised t shocks scaled to the
fraction of the day they cover. Daily returns therefore cluster in volatility and have
fat tails, whatever the sampling rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from perfdesk.sim.clock import TRADING_DAYS_PER_YEAR

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class GarchParams:
    """Annualised drift/volatility and the daily GARCH(1,1)-t shape.

    `alpha + beta` < 1 is the daily volatility persistence; `nu` > 2 the t degrees of
    freedom (smaller = fatter tails).
    """

    annual_return: float = 0.15
    annual_volatility: float = 0.15
    alpha: float = 0.08
    beta: float = 0.90
    nu: float = 5.0

    @property
    def daily_mean(self) -> float:
        return self.annual_return / TRADING_DAYS_PER_YEAR

    @property
    def daily_variance(self) -> float:
        return self.annual_volatility**2 / TRADING_DAYS_PER_YEAR

    @property
    def omega(self) -> float:
        return self.daily_variance * (1.0 - self.alpha - self.beta)


def t_scale(nu: float) -> float:
    """Factor turning a Student-t draw into one of unit variance."""
    return math.sqrt((nu - 2.0) / nu)


def simulate_daily(params: GarchParams, days: int, rng: np.random.Generator) -> FloatArray:
    """A path of `days` daily simple returns (a backtest), vectorised shocks."""
    shocks = rng.standard_t(params.nu, size=days) * t_scale(params.nu)
    out = np.empty(days)
    h = params.daily_variance
    for i in range(days):
        eps = math.sqrt(h) * shocks[i]
        out[i] = params.daily_mean + eps
        h = params.omega + params.alpha * eps * eps + params.beta * h
    return np.maximum(out, -0.95)


class IntradayGarch:
    """Stateful generator of per-sample returns; call `step(frac, day)` per sample.

    `frac` is the fraction of a trading day the sample covers; `day` the trading-day
    index (a change of day updates the variance). Drift and volatility can be moved
    at run time (`mean_shift`, `vol_scale`) for decay/break archetypes.
    """

    def __init__(self, params: GarchParams, rng: np.random.Generator) -> None:
        self.params = params
        self._rng = rng
        self._h = params.daily_variance
        self._day = 0
        self._day_eps = 0.0
        self._scale = t_scale(params.nu)
        self._buf: FloatArray = np.empty(0)
        self._pos = 0
        self.mean_shift = 0.0
        self.vol_scale = 1.0

    def _shock(self) -> float:
        if self._pos >= len(self._buf):
            self._buf = self._rng.standard_t(self.params.nu, size=4096) * self._scale
            self._pos = 0
        z = float(self._buf[self._pos])
        self._pos += 1
        return z

    def _roll_day(self, day: int) -> None:
        p = self.params
        for _ in range(min(day - self._day, 30)):
            self._h = p.omega + p.alpha * self._day_eps**2 + p.beta * self._h
            self._day_eps = 0.0
        self._day = day

    def step(self, frac: float, day: int) -> float:
        """One sample's simple return over `frac` of a trading day."""
        if day != self._day:
            self._roll_day(day)
        base = math.sqrt(self._h * frac) * self._shock()
        # The variance recursion sees the model's own shock: fed the scaled one, a
        # doubled volatility made the GARCH explosive (α·4 + β = 1.22 a day: the demo's
        # broken FX carry reached 17× its volatility within weeks, not 2×).
        self._day_eps += base
        mean = (self.params.daily_mean + self.mean_shift) * frac
        return max(mean + base * self.vol_scale, -0.5)
