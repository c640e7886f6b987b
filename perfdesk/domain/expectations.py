"""What a strategy is expected to do: declared numbers or a backtest profile.

A profile built from a backtest keeps distributions, not only point values: the daily
returns themselves, percentiles of returns and of drawdown depth/duration, the GARCH-t
model fitted to the returns and the false-alarm calibration of the drift rules derived
from it (see perfdesk.analytics.profile and docs/validation.md).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class GarchParams(BaseModel):
    """GARCH(1,1) with standardised Student-t shocks, on simple daily returns.

    r_t = mu + √h_t·z_t,  h_{t+1} = omega + alpha·(r_t − mu)² + beta·h_t,  z ~ t_nu / √(nu/(nu−2)).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    mu: float
    omega: float = Field(gt=0.0)
    alpha: float = Field(ge=0.0, lt=1.0)
    beta: float = Field(ge=0.0, lt=1.0)
    nu: float = Field(gt=2.0, le=1000.0)

    @property
    def unconditional_variance(self) -> float:
        return self.omega / max(1e-9, 1.0 - self.alpha - self.beta)


class Quantiles(BaseModel):
    """Empirical quantiles: `values[i]` is the `probs[i]` quantile (probs increasing)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    probs: tuple[float, ...]
    values: tuple[float, ...]


class DriftCalibration(BaseModel):
    """Null distribution of the drift statistics' running maximum over `horizon_days`,
    simulated from the fitted model (healthy strategy), with the design of the detectors."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    horizon_days: int
    cusum_shift_sd: float
    cusum_vol_ratio: float
    ph_delta: float
    cusum_max: Quantiles
    ph_max: Quantiles
    loss_tail: Quantiles | None = Field(
        None, description="Lower tail of simulated healthy daily returns (tiny probs)"
    )
    filtered_shift_sd: float | None = Field(
        None, description="The filtered CUSUM's alternative: mean shift (sd)"
    )
    filtered_vol_ratio: float | None = Field(
        None, description="The filtered CUSUM's alternative: volatility multiplier"
    )
    filtered_max: Quantiles | None = Field(
        None,
        description="Null running maximum of the filtered CUSUM (regime_cusum rule); "
        "None in a profile calibrated before the rule existed, which leaves it out",
    )


class DrawdownCalibration(BaseModel):
    """Drawdown limits (positive fractions) by live age: `by_horizon[i]` holds, for a live
    age of `horizons_days[i]` days, the limit of each boundary; a healthy strategy crosses
    the boundary `probs[j]` (checked daily) in its first year with probability 1 − probs[j]."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    horizons_days: tuple[int, ...]
    by_horizon: tuple[Quantiles, ...]


class BacktestProfile(BaseModel):
    """Distributions derived from a backtest's daily returns. Fractions, daily units."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    n_days: int = Field(ge=2)
    start: datetime | None = None
    end: datetime | None = None
    daily_returns: tuple[float, ...]
    residuals: tuple[float, ...] = Field(
        default=(), description="Standardised residuals z_t of the fitted model"
    )
    sharpe: float | None = None
    skew: float | None = None
    kurtosis: float | None = Field(None, description="Raw (non-excess) moment kurtosis")
    win_rate_days: float | None = None
    return_percentiles: dict[str, float] = Field(default_factory=dict)
    drawdown_depth_percentiles: dict[str, float] = Field(default_factory=dict)
    drawdown_duration_percentiles: dict[str, float] = Field(default_factory=dict)
    garch: GarchParams | None = None
    drift: DriftCalibration | None = None
    drawdown: DrawdownCalibration | None = None


class Expectations(BaseModel):
    """Declared expectations; every field optional. Ratios are fractions (0.2 = 20 %).

    Annualised figures use the strategy's `periods_per_year` (252 trading days).
    `profile`, when present, comes from a backtest and enables the statistical rules.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    annual_return: float | None = Field(None, title="Expected annual return", ge=-1.0, le=100.0)
    annual_volatility: float | None = Field(
        None, title="Expected annual volatility", ge=0.0, le=100.0
    )
    sharpe: float | None = Field(
        None, title="Expected Sharpe ratio (annualised)", ge=-10.0, le=20.0
    )
    max_drawdown: float | None = Field(
        None,
        title="Expected max drawdown",
        description="Positive fraction, 0.15 = 15 %",
        gt=0.0,
        le=1.0,
    )
    win_rate: float | None = Field(None, title="Expected win rate", ge=0.0, le=1.0)
    trades_per_day: float | None = Field(None, title="Expected trades per day", ge=0.0)
    slippage_bps: float | None = Field(None, title="Expected slippage (bps)", ge=0.0)
    periods_per_year: int = Field(252, title="Periods per year", ge=1, le=366 * 24 * 3600)
    profile: BacktestProfile | None = Field(None, title="Backtest profile")
