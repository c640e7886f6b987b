"""Block-bootstrap forecast cone: where a backtest says live wealth should be after N days.

Circular block bootstrap of the backtest's daily returns (blocks keep a few days of
volatility clustering together), compounded along each path; quantiles per day give the
cone, and the live path is drawn through it. Pure numpy, deterministic for a seed.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from perfdesk.analytics.history_types import Cone, FloatArray

LEVELS = (0.05, 0.25, 0.5, 0.75, 0.95)


def block_length(n: int) -> int:
    """Default block length: ~n^(1/3) days (at least 2, at most 20)."""
    return int(min(20, max(2, round(n ** (1.0 / 3.0)))))


def bootstrap_paths(
    returns: npt.ArrayLike, horizon: int, paths: int, block: int, seed: int = 0
) -> FloatArray:
    """(paths, horizon) daily returns resampled in circular blocks of `block` days."""
    r = np.asarray(returns, dtype=np.float64)
    r = r[np.isfinite(r)]
    if r.size == 0 or horizon <= 0:
        return np.empty((paths, max(horizon, 0)))
    rng = np.random.default_rng(seed)
    n_blocks = math.ceil(horizon / block)
    starts = rng.integers(0, r.size, size=(paths, n_blocks))
    idx = (starts[:, :, None] + np.arange(block)[None, None, :]) % r.size
    return np.asarray(r[idx.reshape(paths, -1)[:, :horizon]], dtype=np.float64)


def cone(
    backtest_returns: npt.ArrayLike,
    live_returns: npt.ArrayLike,
    *,
    horizon: int | None = None,
    paths: int = 2000,
    block: int | None = None,
    levels: tuple[float, ...] = LEVELS,
    seed: int = 0,
) -> Cone | None:
    """The cone over `horizon` days (default: the live length) from wealth 1.0 at the
    live start; None without at least 2 backtest returns."""
    bt = np.asarray(backtest_returns, dtype=np.float64)
    live = np.asarray(live_returns, dtype=np.float64)
    h = int(horizon if horizon is not None else live.size)
    if bt[np.isfinite(bt)].size < 2 or h < 1:
        return None
    b = block or block_length(bt.size)
    wealth = np.cumprod(1.0 + bootstrap_paths(bt, h, paths, b, seed), axis=1)
    wealth = np.concatenate((np.ones((paths, 1)), wealth), axis=1)
    bands = np.quantile(wealth, levels, axis=0)
    live_wealth = np.concatenate(([1.0], np.cumprod(1.0 + np.nan_to_num(live))))[: h + 1]
    last = live_wealth.size - 1
    pct = float(np.mean(wealth[:, last] < live_wealth[-1])) if last > 0 else math.nan
    return Cone(
        days=np.arange(h + 1, dtype=np.float64),
        levels=tuple(levels),
        bands=np.asarray(bands, dtype=np.float64),
        live=np.asarray(live_wealth, dtype=np.float64),
        live_percentile=pct,
        block=b,
        paths=paths,
    )
