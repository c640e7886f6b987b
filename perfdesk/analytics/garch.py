"""GARCH(1,1) with standardised Student-t shocks: fit, filter and simulate daily returns.

Used to calibrate the rules on a backtest: the fitted model reproduces volatility
clustering and fat tails, so simulated "healthy" live periods give honest false-alarm
rates (a plain bootstrap misses volatility persistence and over-alarms).
Pure numpy/scipy, no I/O; CPU-bound — call from a worker thread for large inputs.
scipy is imported inside the functions that need it (importing scipy.signal and
scipy.optimize takes seconds and this module is on the app's import path).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from perfdesk.domain.expectations import MAX_DAILY_RETURN, GarchParams

FloatArray = npt.NDArray[np.float64]

PERSISTENCE_PRIOR = (0.95, 0.03)
"""Mean and standard deviation of the normal prior on alpha + beta (daily returns of
traded strategies and assets typically show 0.9–0.99)."""


def t_logpdf(z: FloatArray, nu: float) -> FloatArray:
    """Log density of the unit-variance Student-t with `nu` > 2 degrees of freedom."""
    c = math.lgamma((nu + 1) / 2) - math.lgamma(nu / 2) - 0.5 * math.log(math.pi * (nu - 2))
    return np.asarray(c - (nu + 1) / 2 * np.log1p(z * z / (nu - 2)), dtype=np.float64)


def conditional_variance(
    params: GarchParams, returns: FloatArray, h0: float | None = None
) -> FloatArray:
    """h_t for each day (the variance forecast made before day t), plus h for the next day.

    Works along the last axis (so on (paths, days) too); the result has one more day.
    `h0` defaults to the unconditional variance.
    """
    from scipy import signal

    h_start = params.unconditional_variance if h0 is None else h0
    e2 = (returns - params.mu) ** 2
    drive = params.omega + params.alpha * e2
    zi = np.full((*returns.shape[:-1], 1), params.beta * h_start)
    h, _ = signal.lfilter([1.0], [1.0, -params.beta], drive, axis=-1, zi=zi)
    first = np.full((*returns.shape[:-1], 1), h_start)
    return np.concatenate((first, np.asarray(h, dtype=np.float64)), axis=-1)


def standardise(params: GarchParams, returns: FloatArray, h0: float | None = None) -> FloatArray:
    """Residuals z_t = (r_t − mu) / √h_t (≈ iid unit-variance t under the model)."""
    h = conditional_variance(params, returns, h0)[..., :-1]
    return np.asarray((returns - params.mu) / np.sqrt(h), dtype=np.float64)


def _unpack(x: FloatArray, sd: float) -> tuple[float, float, float, float]:
    """Optimiser coordinates → (mu, alpha, beta, nu); scaled so all are of order one."""
    return float(x[0]) * sd / 10.0, float(x[1]), float(x[2]), 2.0 + math.exp(float(x[3]))


def _neg_loglik(x: FloatArray, r: FloatArray, var: float) -> float:
    mu, a, b, nu = _unpack(x, math.sqrt(var))
    if a + b >= 0.999 or abs(mu) > MAX_DAILY_RETURN:  # outside what GarchParams admits
        return 1e10
    p = GarchParams(mu=mu, omega=var * (1 - a - b), alpha=a, beta=b, nu=nu)
    h = conditional_variance(p, r, var)[..., :-1]
    z = (r - mu) / np.sqrt(h)
    prior = 0.5 * ((a + b - PERSISTENCE_PRIOR[0]) / PERSISTENCE_PRIOR[1]) ** 2
    return float(-(t_logpdf(z, nu) - 0.5 * np.log(h)).sum()) + prior


def fit_garch_t(returns: npt.ArrayLike) -> GarchParams:
    """Maximum a-posteriori fit with variance targeting (omega = var·(1 − alpha − beta)).

    A weak normal prior on the persistence alpha + beta (`PERSISTENCE_PRIOR`) steadies
    fits on a few years of data, whose likelihood is nearly flat in the persistence: an
    under-estimated persistence makes the model expect volatility spells to end too soon,
    and the live detectors then mistake an ordinary long spell for a change.

    Needs at least 100 returns; raises ValueError otherwise or on a constant series.
    """
    from scipy import optimize

    r = np.asarray(returns, dtype=np.float64)
    var = float(np.var(r))
    if r.size < 100 or var < 1e-14:
        raise ValueError(f"GARCH fit needs ≥100 non-constant returns, got {r.size}")
    sd = math.sqrt(var)
    x0 = np.array([float(r.mean()) / sd * 10.0, 0.08, 0.88, math.log(4.0)])
    bounds = [(None, None), (1e-6, 0.5), (0.0, 0.998), (math.log(0.1), math.log(98.0))]
    res = optimize.minimize(_neg_loglik, x0, args=(r, var), method="L-BFGS-B", bounds=bounds)
    mu, a, b, nu = _unpack(res.x, sd)
    if a + b >= 0.999:
        b = 0.998 - a
    return GarchParams(mu=mu, omega=var * (1 - a - b), alpha=a, beta=b, nu=nu)


def standard_t(rng: np.random.Generator, nu: float, size: tuple[int, ...]) -> FloatArray:
    """Unit-variance Student-t draws."""
    return np.asarray(rng.standard_t(nu, size) / math.sqrt(nu / (nu - 2)), dtype=np.float64)


def simulate(
    params: GarchParams,
    n_paths: int,
    n_days: int,
    rng: np.random.Generator,
    *,
    burn_in: int = 100,
    estimated_from: int | None = None,
) -> FloatArray:
    """(n_paths, n_days) daily returns from the stationary model (after a burn-in).

    With `estimated_from` = n, each path draws its own parameters around `params` with
    the sampling spread of an n-day fit (`PathParams.draw`): the parameters are
    *estimates*, and a calibration that ignores that under-states false alarms (a 3-year
    backtest's mean return has a standard error of about a third of its annual
    volatility, and its volatility persistence is uncertain too).
    """
    pp = PathParams.draw(params, n_paths, rng, estimated_from)
    z = rng.standard_t(pp.nu[:, None], (n_paths, burn_in + n_days))
    z /= np.sqrt(pp.nu / (pp.nu - 2))[:, None]
    h = pp.omega / (1.0 - pp.alpha - pp.beta)
    out = np.empty((n_paths, burn_in + n_days))
    for t in range(burn_in + n_days):
        e = np.sqrt(h) * z[:, t]
        out[:, t] = pp.mu + e
        h = pp.omega + pp.alpha * e * e + pp.beta * h
    return out[:, burn_in:]


@dataclass(frozen=True, slots=True)
class PathParams:
    """Per-path GARCH-t parameters (arrays of length n_paths)."""

    mu: FloatArray
    omega: FloatArray
    alpha: FloatArray
    beta: FloatArray
    nu: FloatArray

    @classmethod
    def draw(
        cls, p: GarchParams, n_paths: int, rng: np.random.Generator, n_obs: int | None
    ) -> PathParams:
        """The point estimates for every path, or draws reflecting an n_obs-day fit.

        Mean: normal, standard error √(var/n). Variance level: log-normal with the
        standard error of a sample variance of fat-tailed, persistent squared returns,
        √((κ − 1)/n · (1 + 2ρ₁/(1 − ρ))), capped at 0.35. alpha, beta and log(nu): normal
        with the spreads measured on GARCH-t fits of simulated 3-year backtests
        (0.025, 0.06, 0.25), scaled by √(756/n); persistence kept below 0.995.
        """
        one = np.ones(n_paths)
        if n_obs is None:
            return cls(p.mu * one, p.omega * one, p.alpha * one, p.beta * one, p.nu * one)
        var = p.unconditional_variance
        s = math.sqrt(756.0 / n_obs)
        alpha = np.clip(p.alpha + 0.025 * s * rng.standard_normal(n_paths), 0.005, 0.5)
        beta = np.clip(p.beta + 0.06 * s * rng.standard_normal(n_paths), 0.0, 0.995 - alpha)
        nu = 2.1 + (p.nu - 2.1) * np.exp(0.25 * s * rng.standard_normal(n_paths))
        log_sd = _variance_log_sd(p, n_obs)
        level = var * np.exp(log_sd * rng.standard_normal(n_paths) - log_sd**2 / 2)
        mu = p.mu + math.sqrt(var / n_obs) * rng.standard_normal(n_paths)
        return cls(mu, level * (1.0 - alpha - beta), alpha, beta, nu)


def _variance_log_sd(p: GarchParams, n_obs: int) -> float:
    a, b = p.alpha, p.beta
    rho = min(a + b, 0.995)
    rho1 = a * (1 - b * b - a * b) / max(1e-9, 1 - b * b - 2 * a * b)
    kappa = 3.0 + 6.0 / (p.nu - 4.0) if p.nu > 4.5 else 15.0
    return min(0.35, math.sqrt((kappa - 1) / n_obs * (1 + 2 * rho1 / (1 - rho))))
