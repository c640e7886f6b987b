"""The simulated desk behind `perfdesk demo`: six strategies with half a year of past.

Four healthy strategies of different styles, one that decays and one that breaks. Each
first gets `DEMO_BACKFILL_DAYS` trading days of healthy history (coarsely sampled) ending
where live trading begins, so the demo opens on months of equity curves, a live Sharpe
and a History page with something to analyse. The live part keeps the archetype timing
of `default_strategies`: the FX carry strategy breaks 25 s after start; the mean
reversion strategy starts decaying 20 s after start, fast enough to see in a demo's
minutes (each a trading day): within a quarter of a day it loses ≈2.4 % a day on 50 %
more volatility, so its live Sharpe falls day by day.

Each strategy announces the profile of its own simulated backtest (`backtest_profile`),
so the profile-based rules judge it and History draws its forecast cone. Judged so
(measured with the replay of tests/sim/test_demo_story.py, one validation per wall
second, run for 30 minutes; the test itself checks the first 7): FX
carry is critical from 26 s (the crash day's loss, then the Page-Hinkley drift rule;
its drawdown, 18 %, is a warning against the profile's limits; after about 28 min the
Page-Hinkley statistic has decayed below its critical limit and it reads warning); Mean
reversion's Sharpe decay rule warns at about 7 min and is critical at 9, its CUSUM warns
at 9 and is critical at 11 (the thresholds of the seventh round: docs/validation.md);
the four healthy strategies stay OK (checked for 30 minutes).

Each strategy has its own seed, picked so that its backtest is one a desk would have
signed off (Sharpe 1–2.6) and its half-year past stays healthy by the validator's own
rules (max drawdown ≤ 0.6 × the backtest's): a random draw can, as in reality, be a bad
half-year, which would make the demo's healthy strategies look broken before it starts.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from perfdesk.sim.archetypes import Archetype, StrategySpec
from perfdesk.sim.clock import recent_epoch
from perfdesk.sim.returns import GarchParams
from perfdesk.sim.server import Simulator

DEMO_BACKFILL_DAYS = 126
"""About six months of trading days before the live epoch."""
DEMO_BACKFILL_STEP_S = 1_800.0
"""One backfill equity sample every 30 trading minutes (48 a day) plus every fill."""
DEMO_SEED = 0


def demo_strategies() -> list[StrategySpec]:
    """The demo desk: healthy trend, decaying mean reversion, breaking FX carry, and
    three more healthy styles. Ids of the first three match `default_strategies(3)`.
    Each announces the profile of its simulated backtest (`backtest_profile`)."""
    specs = [
        StrategySpec(
            "trend-healthy", "Trend follower", Archetype.HEALTHY,
            GarchParams(0.18, 0.12), trades_per_day=20.0, symbol="ES", win_rate=0.42,
            seed=0,
        ),
        StrategySpec(
            "meanrev-decay", "Mean reversion", Archetype.DECAY,
            GarchParams(0.22, 0.14), trades_per_day=40.0, symbol="NQ", win_rate=0.58,
            change_at_s=28_800.0, change_for_s=21_600.0,
            decay_annual_return=-6.0, decay_vol_rise=0.5,
            seed=9,
        ),
        StrategySpec(
            "carry-break", "FX carry", Archetype.BREAK,
            GarchParams(0.12, 0.08, nu=4.0), trades_per_day=12.0, symbol="EURUSD",
            win_rate=0.6, change_at_s=36_000.0,
            seed=7,
        ),
        StrategySpec(
            "statarb-healthy", "Stat arb", Archetype.HEALTHY,
            GarchParams(0.15, 0.09), trades_per_day=40.0, symbol="AAPL", win_rate=0.53,
            slippage_bps=1.0,
            seed=1,
        ),
        StrategySpec(
            "cmdty-healthy", "Commodity momentum", Archetype.HEALTHY,
            GarchParams(0.16, 0.15), trades_per_day=8.0, symbol="CL", win_rate=0.45,
            slippage_bps=3.0,
            seed=21,
        ),
        StrategySpec(
            "rates-healthy", "Rates relative value", Archetype.HEALTHY,
            GarchParams(0.07, 0.05), trades_per_day=10.0, symbol="ZN", win_rate=0.6,
            slippage_bps=0.5,
            seed=4,
        ),
    ]  # fmt: skip
    return [replace(s, backtest_profile=True) for s in specs]


def demo_simulator(
    now: datetime | None = None, *, seed: int = DEMO_SEED, epoch: datetime | None = None
) -> Simulator:
    """The demo's engine: live time starts on the Monday about two months before `now`
    (so timestamps read as recent market time), with its backfill before that. It runs a
    trading day a wall minute until it reaches the present (after about 45 minutes), then
    in real time: no frame is ever stamped in the future. A given `epoch` (a kept demo's)
    replaces that Monday: the same epoch, seed and switch to real time give the same
    stream, frame for frame."""
    return Simulator(
        strategies=demo_strategies(),
        seed=seed,
        epoch=epoch or recent_epoch(now or datetime.now(UTC)),
        backfill_days=DEMO_BACKFILL_DAYS,
        backfill_step_s=DEMO_BACKFILL_STEP_S,
        live_until_now=True,  # a trading day a minute until the present, then real time
    )
