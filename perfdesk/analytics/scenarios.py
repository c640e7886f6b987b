"""Labelled daily scenarios for measuring detection power, and the oracle detector.

A scenario is one strategy: a backtest (756 days) and a live year (250 days) simulated
as one continuous GARCH-t path from "true" parameters, with a change on `change_day`:

- healthy: nothing changes;
- decay:   the mean turns negative — after 40 days the shortfall is about one standard
           error (Δμ = σ_post/√40) — and volatility rises by `vol_ratio` (20–60 %);
- crash:   a 6-sigma loss (unconditional sigma) on the change day, then doubled volatility.

Volatility clusters through h_{t+1} = ω + α·h_t·z_t² + β·h_t driven by the standardised
shocks z (so a regime's volatility multiplier does not make the recursion explode); the
return is r_t = μ_t + k_t·√h_t·z_t.

The oracle is a generalised-likelihood-ratio change detector that knows every true
parameter (before and after) but not the change day: for each candidate change day τ
it filters the volatility under "changed at τ" and accumulates the log-likelihood ratio;
its statistic is the maximum over τ. Vectorised over paths and candidate days.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from perfdesk.analytics.garch import FloatArray, standard_t, t_logpdf
from perfdesk.domain.expectations import GarchParams

Kind = Literal["healthy", "decay", "crash"]
BACKTEST_DAYS = 756
LIVE_DAYS = 250
CRASH_SIGMAS = 6.0
CRASH_VOL_RATIO = 2.0

PARAM_SETS = (  # annual mean, annual vol, alpha, persistence, nu — realistic strategies
    (0.15, 0.12, 0.06, 0.95, 5.0),
    (0.20, 0.18, 0.08, 0.94, 6.0),
    (0.10, 0.08, 0.05, 0.97, 4.5),
    (0.25, 0.25, 0.10, 0.92, 7.0),
)
VOL_RATIOS = (1.2, 1.4, 1.6)


def true_params(index: int) -> GarchParams:
    ann_mu, ann_vol, alpha, persistence, nu = PARAM_SETS[index % len(PARAM_SETS)]
    var = (ann_vol / math.sqrt(252)) ** 2
    return GarchParams(
        mu=ann_mu / 252, omega=var * (1 - persistence), alpha=alpha, beta=persistence - alpha, nu=nu
    )


@dataclass(frozen=True, slots=True)
class Regime:
    """Post-change law: mean `mu` and volatility multiplier `vol_ratio`."""

    mu: float
    vol_ratio: float


def decay_regime(p: GarchParams, vol_ratio: float) -> Regime:
    sd_post = vol_ratio * math.sqrt(p.unconditional_variance)
    return Regime(mu=p.mu - sd_post / math.sqrt(40.0), vol_ratio=vol_ratio)


@dataclass(frozen=True, slots=True)
class Scenario:
    kind: Kind
    params: GarchParams
    regime: Regime
    change_day: int | None  # index into `live`
    backtest: FloatArray
    live: FloatArray


def simulate_path(
    p: GarchParams,
    regime: Regime,
    change: int | None,
    n: int,
    rng: np.random.Generator,
    *,
    crash_at: int | None = None,
) -> FloatArray:
    """One path of n days; days ≥ `change` follow `regime`; `crash_at` is a 6σ loss."""
    z = standard_t(rng, p.nu, (n + 100,))
    h, out = p.unconditional_variance, np.empty(n + 100)
    for t in range(n + 100):
        after = change is not None and t - 100 >= change
        mu, k = (regime.mu, regime.vol_ratio) if after else (p.mu, 1.0)
        out[t] = mu + k * math.sqrt(h) * z[t]
        h = p.omega + p.alpha * h * z[t] ** 2 + p.beta * h
    path = out[100:]
    if crash_at is not None:
        path[crash_at] = p.mu - CRASH_SIGMAS * math.sqrt(p.unconditional_variance)
    return path


def make_scenario(kind: Kind, index: int, rng: np.random.Generator) -> Scenario:
    p = true_params(index)
    if kind == "healthy":
        regime, change = Regime(p.mu, 1.0), None
    elif kind == "decay":
        regime, change = decay_regime(p, VOL_RATIOS[(index // 4) % 3]), int(rng.integers(20, 121))
    else:
        regime, change = Regime(p.mu, CRASH_VOL_RATIO), int(rng.integers(20, 201))
    at = None if change is None else BACKTEST_DAYS + change
    crash = at if kind == "crash" else None
    path = simulate_path(p, regime, at, BACKTEST_DAYS + LIVE_DAYS, rng, crash_at=crash)
    return Scenario(kind, p, regime, change, path[:BACKTEST_DAYS], path[BACKTEST_DAYS:])


def oracle_statistic(
    p: GarchParams, regime: Regime, live: FloatArray, h0: FloatArray
) -> FloatArray:
    """Running GLR statistic, shape (paths, days), for live returns of shape (paths, days).

    `h0` (paths,) is the true conditional variance on the first live day.
    """
    paths, days = live.shape
    h_null = h0.copy()
    h_alt = np.zeros((paths, 0))
    llr = np.zeros((paths, 0))
    out = np.empty((paths, days))
    k, lk = regime.vol_ratio, math.log(regime.vol_ratio)
    for t in range(days):
        h_alt = np.concatenate((h_alt, h_null[:, None]), axis=1)  # new candidate τ = t
        llr = np.concatenate((llr, np.zeros((paths, 1))), axis=1)
        r = live[:, t]
        z0 = (r - p.mu) / np.sqrt(h_null)
        z1 = (r[:, None] - regime.mu) / (k * np.sqrt(h_alt))
        llr += (
            t_logpdf(z1, p.nu)
            - 0.5 * np.log(h_alt)
            - lk
            - (t_logpdf(z0, p.nu) - 0.5 * np.log(h_null))[:, None]
        )
        out[:, t] = llr.max(axis=1)
        h_null = p.omega + p.alpha * h_null * z0**2 + p.beta * h_null
        h_alt = p.omega + p.alpha * h_alt * z1**2 + p.beta * h_alt
    return out


def true_variance_before(p: GarchParams, backtest: FloatArray) -> float:
    """True h on the first live day, filtered through the backtest with the true model."""
    h = p.unconditional_variance
    for r in backtest:
        z2 = (r - p.mu) ** 2 / h
        h = p.omega + p.alpha * h * z2 + p.beta * h
    return h


def healthy_paths(
    p: GarchParams, n_paths: int, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray]:
    """(live returns (paths, LIVE_DAYS), h on their first day) from the stationary model."""
    z = standard_t(rng, p.nu, (n_paths, 100 + LIVE_DAYS))
    h = np.full(n_paths, p.unconditional_variance)
    out = np.empty((n_paths, 100 + LIVE_DAYS))
    h_first = h
    for t in range(100 + LIVE_DAYS):
        if t == 100:
            h_first = h.copy()
        out[:, t] = p.mu + np.sqrt(h) * z[:, t]
        h = p.omega + p.alpha * h * z[:, t] ** 2 + p.beta * h
    return out[:, 100:], h_first
