"""What a strategy is expected to do: declared numbers or a backtest profile."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Expectations(BaseModel):
    """Declared expectations; every field optional. Ratios are fractions (0.2 = 20 %).

    Annualised figures use the strategy's `periods_per_year` (252 trading days).
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
