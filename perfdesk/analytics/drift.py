"""Drift detectors on standardised daily returns: CUSUM (likelihood ratio) and Page-Hinkley.

Live daily returns are standardised with the GARCH-t model fitted to the backtest:
z_t = (r_t − mu)/√h_t is unit-variance Student-t for a healthy strategy. The detectors
look for a fall in the mean and/or a rise in volatility of z.

- CUSUM: two one-sided likelihood-ratio CUSUMs (Page 1954 / Lorden),
  S_t = max(0, S_{t−1} + ℓ_t), ℓ_t = log f(z_t | alternative) − log f(z_t), one for the
  joint alternative "mean −shift_sd and volatility ×vol_ratio" (the usual decay) and one
  for "mean −shift_sd" alone; the statistic is the larger of the two. (The joint one alone
  would let a calm but losing spell — small |z|, negative mean — *lower* the statistic.)
- A third CUSUM whose alternative runs its own GARCH filter: "from some day on, mean
  −shift·√h and volatility ×k of what the model's latent variance says" — the fitted
  filter, driven by the live (larger) shocks, absorbs about half of a lasting volatility
  rise within weeks, so z alone stops showing it; the alternative's filter is driven by
  its own standardised shocks (as the decay scenarios and the oracle are), so the rise
  keeps counting. Restarted (its filter set to the null's) whenever the statistic is 0.
  It is the `regime_cusum` rule, calibrated on its own (`DriftCalibration.filtered_max`;
  a profile calibrated before it existed leaves it out).
- Page-Hinkley for a decrease: U_t = Σ (z̄_t − z_t − δ), PH_t = U_t − min_{s≤t} U_s
  (z̄_t the running mean).

Both functions work on (paths, days) arrays too, for calibration by simulation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from perfdesk.analytics.garch import FloatArray, t_logpdf
from perfdesk.analytics.stat_tests import ks_2samp
from perfdesk.domain.expectations import BacktestProfile, GarchParams

CUSUM_SHIFT_SD = 0.25
CUSUM_VOL_RATIO = 1.3
PH_DELTA = 0.05
FILTERED_SHIFT_SD = 0.15
FILTERED_VOL_RATIO = 1.5
"""The filtered CUSUM's alternative (chosen on the calibration scenarios: docs/validation.md,
"Third round")."""


def cusum_increment(z: npt.ArrayLike, nu: float, shift_sd: float, vol_ratio: float) -> FloatArray:
    """Log-likelihood ratio of one standardised return, alternative vs null."""
    zz = np.asarray(z, dtype=np.float64)
    alt = t_logpdf((zz + shift_sd) / vol_ratio, nu) - math.log(vol_ratio)
    return np.asarray(alt - t_logpdf(zz, nu), dtype=np.float64)


def cusum_pair_paths(z: FloatArray, nu: float, shift_sd: float, vol_ratio: float) -> FloatArray:
    """Running max(joint CUSUM, mean-only CUSUM) along the last axis."""
    joint = cusum_paths(cusum_increment(z, nu, shift_sd, vol_ratio))
    mean = cusum_paths(cusum_increment(z, nu, shift_sd, 1.0))
    return np.maximum(joint, mean)


def cusum_paths(increments: FloatArray) -> FloatArray:
    """Running CUSUM statistic along the last axis."""
    out = np.empty_like(increments)
    s = np.zeros(increments.shape[:-1])
    for t in range(increments.shape[-1]):
        s = np.maximum(0.0, s + increments[..., t])
        out[..., t] = s
    return out


def filtered_cusum_step(
    p: GarchParams,
    e: FloatArray,
    state: tuple[FloatArray, FloatArray, FloatArray],
    shift_sd: float,
    vol_ratio: float,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """One day of the filtered CUSUM: (S, h_null, h_alt) → the next, for the shock
    e = r − μ (arrays over paths, or 0-d). The alternative reads e as
    −shift·√h_alt + k·√h_alt·z₁ and updates h_alt from z₁ (its own filter)."""
    s, h0, ha = state
    z0 = e / np.sqrt(h0)
    z1 = (e / np.sqrt(ha) + shift_sd) / vol_ratio
    step = t_logpdf(z1, p.nu) - math.log(vol_ratio) - 0.5 * np.log(ha / h0) - t_logpdf(z0, p.nu)
    s = np.maximum(0.0, s + step)
    h0_next = p.omega + p.alpha * e * e + p.beta * h0
    ha_next = p.omega + p.alpha * ha * z1 * z1 + p.beta * ha
    return s, h0_next, np.where(s > 0.0, ha_next, h0_next)


def _filtered_scalar(
    p: GarchParams, e: float, state: tuple[float, float, float], shift_sd: float, k: float
) -> tuple[float, float]:
    """`filtered_cusum_step` for one strategy in plain floats (the live tracker, once a
    day per strategy: ≈10× cheaper than numpy on one-element arrays) → (S, h_alt)."""
    s, h0, ha = state
    half = (p.nu + 1) / 2
    z0 = e / math.sqrt(h0)
    z1 = (e / math.sqrt(ha) + shift_sd) / k
    step = (
        half * (math.log1p(z0 * z0 / (p.nu - 2)) - math.log1p(z1 * z1 / (p.nu - 2)))
        - math.log(k)
        - 0.5 * math.log(ha / h0)
    )
    s = max(0.0, s + step)
    if s <= 0.0:
        return s, p.omega + p.alpha * e * e + p.beta * h0
    return s, p.omega + p.alpha * ha * z1 * z1 + p.beta * ha


def filtered_cusum_paths(
    p: GarchParams, returns: FloatArray, shift_sd: float, vol_ratio: float
) -> FloatArray:
    """Running filtered CUSUM along the last axis of (paths, days) raw returns, both
    filters starting at the unconditional variance (as the live tracker does)."""
    r = np.atleast_2d(np.asarray(returns, dtype=np.float64))
    h = np.full(r.shape[0], p.unconditional_variance)
    state = (np.zeros(r.shape[0]), h, h.copy())
    out = np.empty_like(r)
    for t in range(r.shape[1]):
        state = filtered_cusum_step(p, r[:, t] - p.mu, state, shift_sd, vol_ratio)
        out[:, t] = state[0]
    return out


def page_hinkley_paths(z: FloatArray, delta: float) -> FloatArray:
    """Running Page-Hinkley statistic (decrease of the mean) along the last axis."""
    n = np.arange(1, z.shape[-1] + 1)
    running_mean = np.cumsum(z, axis=-1) / n
    u = np.cumsum(running_mean - z - delta, axis=-1)
    return np.asarray(u - np.minimum(np.minimum.accumulate(u, axis=-1), 0.0), dtype=np.float64)


@dataclass(slots=True)
class DriftTracker:
    """Incremental live state of both detectors for one strategy (O(1) per new day).

    Owned by the strategy's EquityStats; rebuilt when the expectation profile changes.
    """

    garch: GarchParams
    reference: FloatArray = field(default_factory=lambda: np.empty(0))
    shift_sd: float = CUSUM_SHIFT_SD
    vol_ratio: float = CUSUM_VOL_RATIO
    ph_delta: float = PH_DELTA
    h: float = 0.0
    n: int = 0
    z: list[float] = field(default_factory=list)
    cusum: float = 0.0
    cusum_joint: float = 0.0
    cusum_mean: float = 0.0
    filtered: tuple[float, float] | None = None  # (shift_sd, vol_ratio); None: not calibrated
    cusum_filtered: float = 0.0
    cusum_filtered_max: float = 0.0
    cusum_filtered_since: int | None = None
    h_alt: float = 0.0
    cusum_max: float = 0.0
    cusum_since: int | None = None
    z_sum: float = 0.0
    ph_u: float = 0.0
    ph_min: float = 0.0
    ph: float = 0.0
    ph_max: float = 0.0
    ph_since: int | None = None
    _ks: tuple[int, float, float] = (-1, math.nan, math.nan)

    def __post_init__(self) -> None:
        if self.h <= 0:
            self.h = self.garch.unconditional_variance
        if self.h_alt <= 0:
            self.h_alt = self.h

    @classmethod
    def from_profile(cls, profile: BacktestProfile) -> DriftTracker | None:
        """A tracker for a profile with a fitted model (None without one)."""
        if profile.garch is None:
            return None
        cal = profile.drift
        ref = np.sort(np.asarray(profile.residuals, dtype=np.float64))
        if cal is None:
            return cls(profile.garch, reference=ref)
        return cls(
            profile.garch,
            reference=ref,
            shift_sd=cal.cusum_shift_sd,
            vol_ratio=cal.cusum_vol_ratio,
            ph_delta=cal.ph_delta,
            filtered=None
            if cal.filtered_max is None
            or cal.filtered_shift_sd is None
            or cal.filtered_vol_ratio is None
            else (cal.filtered_shift_sd, cal.filtered_vol_ratio),
        )

    def ks(self) -> tuple[float, float]:
        """(D, p) of the live z against the backtest residuals; recomputed once per day."""
        if self._ks[0] != self.n:
            self._ks = (self.n, *ks_2samp(self.z, self.reference))
        return self._ks[1], self._ks[2]

    def catch_up(self, daily_returns: list[float]) -> None:
        """Consume the daily returns not seen yet (the list only ever grows)."""
        for r in daily_returns[self.n :]:
            self.push(r)

    def push(self, r: float) -> None:
        g = self.garch
        e = r - g.mu
        zt = e / math.sqrt(self.h)
        self.z.append(zt)
        self._filtered(e)
        self.h = g.omega + g.alpha * e * e + g.beta * self.h
        self._cusum(zt)
        self._page_hinkley(zt)
        self.n += 1

    def _cusum(self, zt: float) -> None:
        nu = self.garch.nu
        z1 = np.array([zt])
        joint_inc = float(cusum_increment(z1, nu, self.shift_sd, self.vol_ratio)[0])
        mean_inc = float(cusum_increment(z1, nu, self.shift_sd, 1.0)[0])
        before = self.cusum
        self.cusum_joint = max(0.0, self.cusum_joint + joint_inc)
        self.cusum_mean = max(0.0, self.cusum_mean + mean_inc)
        self.cusum = max(self.cusum_joint, self.cusum_mean)
        if self.cusum == 0.0:
            self.cusum_since = None
        elif before == 0.0 or self.cusum_since is None:
            self.cusum_since = self.n
        self.cusum_max = max(self.cusum_max, self.cusum)

    def _filtered(self, e: float) -> None:
        """Advance the filtered CUSUM by one day (before the null filter moves on)."""
        if self.filtered is None:
            return
        before = self.cusum_filtered
        self.cusum_filtered, self.h_alt = _filtered_scalar(
            self.garch, e, (before, self.h, self.h_alt), *self.filtered
        )
        if self.cusum_filtered == 0.0:
            self.cusum_filtered_since = None
        elif before == 0.0 or self.cusum_filtered_since is None:
            self.cusum_filtered_since = self.n
        self.cusum_filtered_max = max(self.cusum_filtered_max, self.cusum_filtered)

    def _page_hinkley(self, zt: float) -> None:
        self.z_sum += zt
        self.ph_u += self.z_sum / (self.n + 1) - zt - self.ph_delta
        if self.ph_u <= self.ph_min:
            self.ph_min, self.ph_since = self.ph_u, None
        elif self.ph_since is None:
            self.ph_since = self.n
        self.ph = self.ph_u - min(self.ph_min, 0.0)
        self.ph_max = max(self.ph_max, self.ph)

    @property
    def sigma_today(self) -> float:
        """Model volatility forecast (daily, fraction) for the current unfinished day."""
        return math.sqrt(self.h)
