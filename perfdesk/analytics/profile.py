"""Build an expectation profile from a backtest's daily returns.

Keeps the distributions (returns, drawdown depth/duration percentiles), fits a GARCH-t
model, and calibrates the drift and drawdown rules by simulating healthy live periods
from the fitted model. Deterministic for a given `seed`. CPU: ~0.1–0.3 s for the default
2,000 simulated paths — run it off the GUI thread.
"""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np
import numpy.typing as npt

from perfdesk.analytics import drift, garch
from perfdesk.analytics import metrics as m
from perfdesk.analytics.metrics import sharpe_stats
from perfdesk.domain.expectations import (
    BacktestProfile,
    DrawdownCalibration,
    DriftCalibration,
    Expectations,
    GarchParams,
    Quantiles,
)

PROBS = (0.5, 0.8, 0.9, 0.95, 0.96, 0.97, 0.98, 0.99, 0.995, 0.998, 0.999)
PERCENTILES = (1, 5, 10, 25, 50, 75, 90, 95, 99)
HORIZONS = (1, 2, 3, 5, 7, 10, 15, 21, 30, 42, 63, 84, 126, 189, 252)
MIN_DAYS_FOR_MODEL = 100
TAIL_PROBS = (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2)


def _percentiles(values: npt.ArrayLike) -> dict[str, float]:
    arr = np.asarray(values, dtype=np.float64)
    if arr.size == 0:
        return {}
    return {f"p{p}": float(np.percentile(arr, p)) for p in PERCENTILES}


def _quantiles(samples: npt.ArrayLike) -> Quantiles:
    values = np.quantile(np.asarray(samples, dtype=np.float64), PROBS)
    return Quantiles(probs=PROBS, values=tuple(float(v) for v in values))


def _max_drawdown_paths(returns: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Running max drawdown (positive) along the days axis of (paths, days) returns."""
    wealth = np.cumprod(1.0 + returns, axis=1)
    peak = np.maximum.accumulate(np.maximum(wealth, 1.0), axis=1)
    return np.asarray(np.maximum.accumulate(1.0 - wealth / peak, axis=1), dtype=np.float64)


def calibrate(
    params: GarchParams, n_paths: int, horizon_days: int, seed: int, backtest_days: int
) -> tuple[DriftCalibration, DrawdownCalibration]:
    """Null distributions of the detectors' running maxima from simulated healthy paths.

    Paths draw their mean and volatility level around the fitted values (the fit's
    estimation error), while the detectors standardise with the fitted model — exactly
    what happens live.
    """
    rng = np.random.default_rng(seed)
    sims = garch.simulate(params, n_paths, horizon_days, rng, estimated_from=backtest_days)
    z = garch.standardise(params, sims)
    cus = drift.cusum_pair_paths(z, params.nu, drift.CUSUM_SHIFT_SD, drift.CUSUM_VOL_RATIO)
    cus = cus.max(axis=1)
    filt = drift.filtered_cusum_paths(
        params, sims, drift.FILTERED_SHIFT_SD, drift.FILTERED_VOL_RATIO
    ).max(axis=1)
    ph = drift.page_hinkley_paths(z, drift.PH_DELTA).max(axis=1)
    dcal = DriftCalibration(
        horizon_days=horizon_days,
        cusum_shift_sd=drift.CUSUM_SHIFT_SD,
        cusum_vol_ratio=drift.CUSUM_VOL_RATIO,
        ph_delta=drift.PH_DELTA,
        filtered_shift_sd=drift.FILTERED_SHIFT_SD,
        filtered_vol_ratio=drift.FILTERED_VOL_RATIO,
        filtered_max=_quantiles(filt),
        cusum_max=_quantiles(cus),
        ph_max=_quantiles(ph),
        loss_tail=Quantiles(
            probs=TAIL_PROBS,
            values=tuple(float(v) for v in np.quantile(sims.ravel(), TAIL_PROBS)),
        ),
    )
    return dcal, _drawdown_boundaries(_max_drawdown_paths(sims))


def _drawdown_boundaries(mdd: npt.NDArray[np.float64]) -> DrawdownCalibration:
    """Drawdown limits by live age whose *first-year crossing* probabilities are 1 − PROBS.

    A limit checked every day against that day's marginal quantile is crossed far more
    often than the quantile says (many looks), so each boundary is the marginal quantile
    curve at a higher level p, with p searched so that a healthy path crosses the curve,
    checked daily between the horizons as the live rule checks it, with the wanted
    probability.
    """
    days = mdd.shape[1]
    horizons = tuple(h for h in HORIZONS if h <= days)
    levels = 1.0 - np.geomspace(0.6, 2e-4, 80)
    marginal = np.quantile(mdd[:, [h - 1 for h in horizons]], levels, axis=0)  # (levels, h)
    all_days = np.arange(1, days + 1)
    crossing = np.array(
        [(mdd >= np.interp(all_days, horizons, curve)).any(axis=1).mean() for curve in marginal]
    )
    curves = [marginal[_level_for(crossing, 1.0 - p)] for p in PROBS]
    return DrawdownCalibration(
        horizons_days=horizons,
        by_horizon=tuple(
            Quantiles(probs=PROBS, values=tuple(float(c[i]) for c in curves))
            for i in range(len(horizons))
        ),
    )


def _level_for(crossing: npt.NDArray[np.float64], target: float) -> int:
    """Index of the lowest level whose crossing probability is at most `target`."""
    ok = np.flatnonzero(crossing <= target)
    return int(ok[0]) if ok.size else len(crossing) - 1


def build_profile(
    returns: npt.ArrayLike,
    dates: npt.ArrayLike | None = None,
    *,
    n_paths: int = 2000,
    horizon_days: int = 252,
    seed: int = 0,
) -> BacktestProfile:
    """Profile of daily simple returns (at least 2; the model needs 100)."""
    r = np.asarray(returns, dtype=np.float64)
    if r.size < 2 or not np.all(np.isfinite(r)):
        raise ValueError("a profile needs at least 2 finite daily returns")
    n, sr, g3, g4 = sharpe_stats.moments(r)
    episodes = m.drawdown_periods(r)
    params = garch.fit_garch_t(r) if r.size >= MIN_DAYS_FOR_MODEL else None
    dcal = ddcal = None
    residuals: tuple[float, ...] = ()
    if params is not None:
        dcal, ddcal = calibrate(params, n_paths, horizon_days, seed, r.size)
        residuals = tuple(float(v) for v in garch.standardise(params, r))
    start, end = _span(dates)
    return BacktestProfile(
        n_days=n,
        start=start,
        end=end,
        daily_returns=tuple(float(v) for v in r),
        residuals=residuals,
        sharpe=_finite(sr * math.sqrt(252)),
        skew=_finite(g3),
        kurtosis=_finite(g4),
        win_rate_days=_finite(m.win_rate(r)),
        return_percentiles=_percentiles(r),
        drawdown_depth_percentiles=_percentiles([-e.depth for e in episodes]),
        drawdown_duration_percentiles=_percentiles([e.duration for e in episodes]),
        garch=params,
        drift=dcal,
        drawdown=ddcal,
    )


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _span(dates: npt.ArrayLike | None) -> tuple[datetime | None, datetime | None]:
    if dates is None:
        return None, None
    d = np.asarray(dates, dtype="datetime64[us]")
    if d.size == 0:
        return None, None
    from datetime import UTC

    first, last = d[0].item(), d[-1].item()
    return first.replace(tzinfo=UTC), last.replace(tzinfo=UTC)


def expectations_from_backtest(
    returns: npt.ArrayLike,
    dates: npt.ArrayLike | None = None,
    *,
    periods_per_year: int = 252,
    seed: int = 0,
    n_paths: int = 2000,
    **declared: float | None,
) -> Expectations:
    """Expectations whose point values come from the backtest (declared ones win)."""
    r = np.asarray(returns, dtype=np.float64)
    profile = build_profile(r, dates, seed=seed, n_paths=n_paths)
    mdd = m.max_drawdown(r)
    derived: dict[str, float | None] = {
        "annual_return": _finite(m.annual_return(r, periods_per_year)),
        "annual_volatility": _finite(m.annual_volatility(r, periods_per_year)),
        "sharpe": _finite(m.sharpe_ratio(r, periods_per_year=periods_per_year)),
        "max_drawdown": -mdd if mdd < 0 else None,
    }
    derived |= {k: v for k, v in declared.items() if v is not None}
    return Expectations(periods_per_year=periods_per_year, profile=profile, **derived)
