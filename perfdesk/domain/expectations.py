"""What a strategy is expected to do: declared numbers or a backtest profile.

A profile built from a backtest keeps distributions, not only point values: the daily
returns themselves, percentiles of returns and of drawdown depth/duration, the GARCH-t
model fitted to the returns and the false-alarm calibration of the drift rules derived
from it (see perfdesk.analytics.profile and docs/validation.md).
"""

from __future__ import annotations

import math
from datetime import datetime
from itertools import pairwise
from typing import Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import from_json

MIN_OMEGA = 1e-30
"""A GARCH variance intercept below this is no model of a market: omega 5e-324 made the
first filtered variance 1e-322, standardised a return to 1e160 and the Sharpe decay rule
read inf. perfdesk's own fit gives at least 2e-17 (variance ≥ 1e-14, persistence ≤ 0.998)."""


MAX_DAILY_RETURN = 10.0
"""A daily return beyond ±1000 % is a unit slip (prices, per cent), not a return: refused
in a backtest CSV and in a profile (±1e300 overflowed the variance of its returns)."""


def _finite(name: str, values: tuple[float, ...]) -> None:
    bad = next((i for i, v in enumerate(values) if not math.isfinite(v)), None)
    if bad is not None:
        raise ValueError(f"{name}[{bad}] is {values[bad]}, not a finite number")


class GarchParams(BaseModel):
    """GARCH(1,1) with standardised Student-t shocks, on simple daily returns.

    r_t = mu + √h_t·z_t,  h_{t+1} = omega + alpha·(r_t − mu)² + beta·h_t,  z ~ t_nu / √(nu/(nu−2)).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    mu: float = Field(ge=-MAX_DAILY_RETURN, le=MAX_DAILY_RETURN)
    omega: float = Field(ge=MIN_OMEGA, allow_inf_nan=False)
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

    @model_validator(mode="after")
    def _a_table(self) -> Self:
        """One value per prob, at least one; probs strictly increasing within [0, 1];
        values finite and non-decreasing (a quantile function)."""
        if not self.probs or len(self.probs) != len(self.values):
            raise ValueError(
                f"{len(self.probs)} probs and {len(self.values)} values: a quantile table"
                " needs one value per prob, at least one"
            )
        _finite("probs", self.probs)
        _finite("values", self.values)
        if self.probs[0] < 0.0 or self.probs[-1] > 1.0:
            raise ValueError("probs must lie within [0, 1]")
        if any(b <= a for a, b in pairwise(self.probs)):
            raise ValueError("probs must increase strictly")
        if any(b < a for a, b in pairwise(self.values)):
            raise ValueError("values must not decrease (a quantile function)")
        return self


class DriftCalibration(BaseModel):
    """Null distribution of the drift statistics' running maximum over `horizon_days`,
    simulated from the fitted model (healthy strategy), with the design of the detectors."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    horizon_days: int = Field(ge=1)
    cusum_shift_sd: float = Field(allow_inf_nan=False)
    cusum_vol_ratio: float = Field(gt=0.0, allow_inf_nan=False)
    ph_delta: float = Field(ge=0.0, allow_inf_nan=False)
    cusum_max: Quantiles
    ph_max: Quantiles
    loss_tail: Quantiles | None = Field(
        None, description="Lower tail of simulated healthy daily returns (tiny probs)"
    )
    filtered_shift_sd: float | None = Field(
        None, description="The filtered CUSUM's alternative: mean shift (sd)", allow_inf_nan=False
    )
    filtered_vol_ratio: float | None = Field(
        None,
        description="The filtered CUSUM's alternative: volatility multiplier",
        gt=0.0,
        allow_inf_nan=False,
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

    @model_validator(mode="after")
    def _one_table_per_horizon(self) -> Self:
        h = self.horizons_days
        if not h or len(h) != len(self.by_horizon):
            raise ValueError(
                f"{len(h)} horizons and {len(self.by_horizon)} tables: one table per"
                " horizon, at least one"
            )
        if h[0] < 1 or any(b <= a for a, b in pairwise(h)):
            raise ValueError("horizons_days must be positive and increasing")
        return self


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

    @field_validator("daily_returns")
    @classmethod
    def _returns(cls, values: tuple[float, ...]) -> tuple[float, ...]:
        _finite("daily_returns", values)
        if values and max(map(abs, values)) > MAX_DAILY_RETURN:
            raise ValueError(
                f"a day beyond ±{MAX_DAILY_RETURN:g} (±{MAX_DAILY_RETURN:.0%}) is a unit"
                " slip, not a return (returns are fractions: 0.01 = 1 %)"
            )
        return values

    @field_validator("residuals")
    @classmethod
    def _residuals(cls, values: tuple[float, ...]) -> tuple[float, ...]:
        _finite("residuals", values)
        return values


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


def stored_expectations(raw: str | bytes) -> tuple[Expectations, str | None]:
    """Expectations kept as JSON (the database), and a note when their backtest profile
    no longer validates (stored before a check existed, or by an engine then): the
    summary figures without the profile, never a failure to load every strategy. A
    fault outside the profile still raises ValidationError."""
    try:
        return Expectations.model_validate_json(raw), None
    except ValidationError as exc:
        doc = from_json(raw)
        if not isinstance(doc, dict) or "profile" not in doc:
            raise
        summary = Expectations.model_validate(doc | {"profile": None})
        err = exc.errors()[0]
        where = ".".join(str(part) for part in err["loc"])
        return summary, f"its backtest profile was dropped ({where}: {err['msg']})"
