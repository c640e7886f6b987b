"""A strategy with a calibrated backtest profile, 80 live days and fills: the shared
subject of the rule registry's and the edge-value tests (a plain module: tests import
it). Built once per session (≈1 s)."""

from __future__ import annotations

from functools import cache

import numpy as np

from perfdesk.analytics import garch
from perfdesk.analytics.profile import expectations_from_backtest
from perfdesk.analytics.streaming import EquityStats
from perfdesk.domain.expectations import Expectations, GarchParams

DAY = 86_400.0
T0 = 20_000 * DAY + 72_000.0


@cache
def profiled_strategy() -> tuple[EquityStats, Expectations]:
    """(its live statistics, its expectations from a 756-day backtest); do not mutate."""
    p = GarchParams(mu=0.0005, omega=0.05e-4, alpha=0.07, beta=0.88, nu=6.0)
    r = garch.simulate(p, 1, 836, np.random.default_rng(5))[0]
    exp = expectations_from_backtest(
        r[:756], n_paths=200, win_rate=0.5, trades_per_day=4, slippage_bps=1.0
    )
    stats, equity = EquityStats(), 1e6
    stats.update(T0 - DAY, equity)
    for i, ret in enumerate(r[756:]):
        equity *= 1 + ret
        ts = T0 + i * DAY
        stats.update(ts, equity)
        for k in range(4):
            px = 100.0 + k
            side = "buy" if k % 2 == 0 else "sell"
            stats.fill(ts + k, "X", side, qty=1, price=px, expected_price=px - 0.01)
    return stats, exp
