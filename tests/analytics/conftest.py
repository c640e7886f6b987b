"""Shared generators for the analytics tests: fat-tailed, clustered daily returns."""

from __future__ import annotations

import numpy as np
import pytest


def garch_t_returns(n: int, seed: int, mu: float = 0.0004, vol: float = 0.01) -> np.ndarray:
    """GARCH(1,1) returns with Student-t(5) shocks: fat tails and volatility clustering."""
    rng = np.random.default_rng(seed)
    omega, a, b = vol**2 * 0.05, 0.08, 0.87
    var, out = vol**2, np.empty(n)
    z = rng.standard_t(5, n) / np.sqrt(5 / 3)
    for i in range(n):
        out[i] = mu + np.sqrt(var) * z[i]
        var = omega + a * (out[i] - mu) ** 2 + b * var
    return out


@pytest.fixture(params=[1, 2, 3, 4, 5])
def series(request: pytest.FixtureRequest) -> np.ndarray:
    return garch_t_returns(750, seed=request.param)
