"""The simulated strategies: what each archetype does and what its backtest promised.

Change times are in *trading seconds* since the simulator started, so a larger
speed-up brings them sooner in wall time. At the default speed-up (1,440: one trading
day per wall minute) the breaking strategy breaks 25 s after start.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from perfdesk.analytics.profile import build_profile
from perfdesk.domain.expectations import BacktestProfile, Expectations
from perfdesk.sim.clock import TRADING_DAYS_PER_YEAR
from perfdesk.sim.returns import GarchParams, simulate_daily

BACKTEST_DAYS = 3 * TRADING_DAYS_PER_YEAR
BREAK_DEPTH_FACTOR = 2.5
RETURN_DECIMALS = 8
"""The profile is built from the backtest's daily returns rounded to 1e-8 (0.000001 %), and
its residuals are rounded to RESIDUAL_DECIMALS: the strategy frame carries both (3 years ×
2 numbers, ≈22 KB in all) and must stay well under the protocol's 64 KiB. (The summary
figures come from the unrounded returns, as without a profile.)"""
RESIDUAL_DECIMALS = 5
PROFILE_SEED = 0
"""Seed of the profile's calibration paths (independent of the strategy's own draws)."""
"""A break drives the drawdown to this multiple of the declared max drawdown (cap 0.9)."""


class Archetype(StrEnum):
    """How a simulated strategy behaves relative to its backtest."""

    HEALTHY = "healthy"
    DECAY = "decay"
    BREAK = "break"
    STALL = "stall"
    OVERTRADE = "overtrade"
    UNDERTRADE = "undertrade"


@dataclass(frozen=True, slots=True)
class StrategySpec:
    """One simulated strategy. `change_at_s` / `change_for_s` are trading seconds.

    DECAY: drift falls linearly to `decay_annual_return` (and volatility rises by
    `decay_vol_rise`, default 40 %) over `change_for_s`. BREAK: at `change_at_s` equity falls
    within `crash_samples` samples to BREAK_DEPTH_FACTOR × the declared max drawdown
    below its peak, then trades on with doubled volatility. STALL: emits nothing for
    `change_for_s`. OVER/UNDERTRADE: fills arrive at `trade_factor` × the declared trades
    per day.
    """

    strategy_id: str
    name: str
    archetype: Archetype = Archetype.HEALTHY
    garch: GarchParams = field(default_factory=GarchParams)
    trades_per_day: float = 40.0
    slippage_bps: float = 2.0
    initial_equity: float = 1_000_000.0
    symbol: str = "ES"
    change_at_s: float = 36_000.0
    change_for_s: float = 5 * 86_400.0
    decay_annual_return: float = -0.30
    decay_vol_rise: float = 0.4
    crash_samples: int = 10
    trade_factor: float = 1.0
    win_rate: float = 0.55
    """Share of round trips (open, then close) that win, in the healthy regime."""
    backtest_profile: bool = False
    """Announce a backtest profile (perfdesk.analytics.profile.build_profile of the simulated
    backtest's daily returns) with the expectations: the statistical rules and the History
    page's cone get something to judge by. ≈0.2–0.5 s of CPU per strategy when the
    simulator is built, so off by default (the demo turns it on)."""
    seed: int | None = None
    """This strategy's own random seed (backtest, backfill and live draws; two strategies
    with one seed share their shocks); None derives one from the simulator's seed and
    the strategy's position."""


_KINDS: tuple[tuple[Archetype, str, str, GarchParams, float], ...] = (
    (Archetype.HEALTHY, "trend", "Trend follower", GarchParams(0.18, 0.12), 30.0),
    (Archetype.DECAY, "meanrev", "Mean reversion", GarchParams(0.22, 0.14), 60.0),
    (Archetype.BREAK, "carry", "FX carry", GarchParams(0.12, 0.08, nu=4.0), 12.0),
    (Archetype.STALL, "statarb", "Stat arb", GarchParams(0.15, 0.10), 80.0),
    (Archetype.OVERTRADE, "mm", "Market making", GarchParams(0.25, 0.10), 200.0),
    (Archetype.UNDERTRADE, "swing", "Swing", GarchParams(0.16, 0.16), 8.0),
)
_SYMBOLS = ("ES", "NQ", "EURUSD", "CL", "GC", "ZN", "BTCUSD", "AAPL")


def default_strategies(count: int = 3) -> list[StrategySpec]:
    """`count` strategies cycling healthy, decay, break, stall, overtrade, undertrade."""
    specs = []
    for i in range(count):
        kind, slug, name, garch, tpd = _KINDS[i % len(_KINDS)]
        lap = i // len(_KINDS)
        suffix = f"-{lap + 1}" if lap else ""
        specs.append(
            StrategySpec(
                strategy_id=f"{slug}-{kind.value}{suffix}",
                name=f"{name}{' ' + str(lap + 1) if lap else ''}",
                archetype=kind,
                garch=garch,
                trades_per_day=tpd,
                symbol=_SYMBOLS[i % len(_SYMBOLS)],
                change_at_s={Archetype.DECAY: 28_800.0, Archetype.STALL: 43_200.0}.get(
                    kind, 36_000.0
                ),
                change_for_s=43_200.0 if kind is Archetype.STALL else 5 * 86_400.0,
                trade_factor={Archetype.OVERTRADE: 3.0, Archetype.UNDERTRADE: 0.2}.get(kind, 1.0),
            )
        )
    return specs


def backtest_expectations(spec: StrategySpec, rng: np.random.Generator) -> Expectations:
    """What a 3-year backtest of the strategy's healthy regime reports (daily returns),
    with the backtest's profile when `spec.backtest_profile` (no extra draws from `rng`:
    the live stream is the same either way)."""
    r = simulate_daily(spec.garch, BACKTEST_DAYS, rng)
    profile = backtest_profile(np.round(r, RETURN_DECIMALS)) if spec.backtest_profile else None
    wealth = np.cumprod(1.0 + r)
    peak = np.maximum.accumulate(np.concatenate(([1.0], wealth)))[1:]
    vol = float(np.std(r, ddof=1))
    years = len(r) / TRADING_DAYS_PER_YEAR
    return Expectations(
        annual_return=float(wealth[-1] ** (1.0 / years) - 1.0),
        annual_volatility=vol * float(np.sqrt(TRADING_DAYS_PER_YEAR)),
        sharpe=float(np.mean(r) / vol * np.sqrt(TRADING_DAYS_PER_YEAR)),
        max_drawdown=float(np.max(1.0 - wealth / peak)),
        win_rate=_backtest_win_rate(spec, rng),
        trades_per_day=spec.trades_per_day,
        slippage_bps=spec.slippage_bps,
        periods_per_year=TRADING_DAYS_PER_YEAR,
        profile=profile,
    )


def backtest_profile(returns: np.ndarray) -> BacktestProfile:
    """The profile of a simulated backtest's daily returns, residuals rounded (frame size)."""
    profile = build_profile(returns, seed=PROFILE_SEED)
    residuals = tuple(round(v, RESIDUAL_DECIMALS) for v in profile.residuals)
    return profile.model_copy(update={"residuals": residuals})


def _backtest_win_rate(spec: StrategySpec, rng: np.random.Generator) -> float:
    """Share of the backtest's round trips (half its fills) that won."""
    trades = max(1, round(spec.trades_per_day * BACKTEST_DAYS / 2))
    return float(rng.binomial(trades, spec.win_rate) / trades)
