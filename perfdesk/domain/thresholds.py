"""Threshold settings for the rules. Forms are generated from these models' fields."""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator


class DrawdownThresholds(BaseModel):
    """Live drawdown compared with the expected (backtest) max drawdown."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    warning_ratio: float = Field(
        0.8,
        title="Warning at",
        description="Live drawdown, as a multiple of the expected max drawdown, that warns.",
        gt=0.0,
        le=10.0,
    )
    critical_ratio: float = Field(
        1.2,
        title="Critical at",
        description="Live drawdown as a multiple of the expected max drawdown that is critical.",
        gt=0.0,
        le=10.0,
    )

    @model_validator(mode="after")
    def _warning_below_critical(self) -> Self:
        if self.warning_ratio >= self.critical_ratio:
            raise ValueError("'Warning at' must be below 'Critical at'")
        return self


class Thresholds(BaseModel):
    """All rule thresholds for one strategy (or the global defaults)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    drawdown: DrawdownThresholds = Field(default_factory=DrawdownThresholds)
    stale_after_s: float = Field(
        10.0,
        title="Stale after (s)",
        description="No data for this long marks the feed stale.",
        gt=0,
        le=86400,
    )
