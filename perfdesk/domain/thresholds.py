"""Threshold settings for the rules. Forms are generated from these models' fields.

Each rule has its own group; every group has a warning level less severe than its
critical level (checked by a cross-field validator whose message names both fields).
Probabilities are fractions (0.01 = 1 %).
"""

from __future__ import annotations

from typing import ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Group(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    ORDERED: ClassVar[tuple[tuple[str, str], ...]] = ()
    """(lower, higher) field pairs: when both are set the first must be below the second.
    The message quotes both field titles (the threshold form marks both fields)."""

    @model_validator(mode="after")
    def _check_order(self) -> Self:
        fields = type(self).model_fields
        for low, high in self.ORDERED:
            a, b = getattr(self, low), getattr(self, high)
            if a is not None and b is not None and a >= b:
                raise ValueError(
                    f"'{fields[low].title or low}' must be below '{fields[high].title or high}'"
                )
        return self


class DrawdownThresholds(_Group):
    """Live max drawdown against the backtest: model percentiles when a profile exists,
    else a multiple of the expected max drawdown."""

    ORDERED = (("warning_ratio", "critical_ratio"), ("warning_percentile", "critical_percentile"))

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
    warning_percentile: float = Field(
        0.999,
        title="Warning percentile",
        description="With a backtest profile: 0.999 = a healthy strategy crosses the warning "
        "line (which deepens with the strategy's live age) in its first year with chance 0.1 %.",
        gt=0.5,
        lt=1.0,
    )
    critical_percentile: float = Field(
        0.9995,
        title="Critical percentile",
        description="With a backtest profile: like the warning percentile, for critical.",
        gt=0.5,
        lt=1.0,
    )


class _PValueGroup(_Group):
    """A test whose p-value warns at `warning_p` and is critical at `critical_p`."""

    ORDERED = (("critical_p", "warning_p"),)

    warning_p: float = Field(
        0.01, title="Warning p-value", description="Warn at or below this p-value.", gt=0, lt=1
    )
    critical_p: float = Field(
        0.001, title="Critical p-value", description="Critical at or below.", gt=0, lt=1
    )


class SharpeThresholds(_PValueGroup):
    """The live Sharpe against the backtest's: a sequential test whose p-value is the
    chance a healthy strategy gets there in its first live year."""

    warning_p: float = Field(
        0.0062,
        title="Warning p-value",
        description="Chance that a healthy strategy gets this far in its first live year.",
        gt=0,
        lt=1,
    )
    critical_p: float = Field(0.005, title="Critical p-value", gt=0, lt=1)

    min_days: int = Field(20, title="Minimum live days", ge=2, le=10_000)


class DistributionThresholds(_PValueGroup):
    """Two-sample Kolmogorov-Smirnov test, live vs backtest standardised daily returns."""

    warning_p: float = Field(1e-5, title="Warning p-value", gt=0, lt=1)
    critical_p: float = Field(1e-6, title="Critical p-value", gt=0, lt=1)
    min_days: int = Field(20, title="Minimum live days", ge=5, le=10_000)


class DriftThresholds(_Group):
    """CUSUM / Page-Hinkley: false-alarm probability of a healthy strategy per year."""

    ORDERED = (("critical_false_alarm", "warning_false_alarm"),)

    warning_false_alarm: float = Field(
        0.04,
        title="Warning false-alarm rate",
        description="Chance per 252 live days that a healthy strategy warns.",
        gt=0,
        lt=0.5,
    )
    critical_false_alarm: float = Field(0.01, title="Critical false-alarm rate", gt=0, lt=0.5)


class WinRateThresholds(_PValueGroup):
    """One-sided binomial test: fewer winning trades than the expected win rate."""

    min_trades: int = Field(30, title="Minimum trades", ge=1, le=1_000_000)


class SlippageThresholds(_Group):
    """Mean live slippage (bps, positive = worse than expected price) vs expected."""

    ORDERED = (("warning_ratio", "critical_ratio"),)

    warning_ratio: float = Field(1.5, title="Warning at (× expected)", gt=0, le=100)
    critical_ratio: float = Field(2.5, title="Critical at (× expected)", gt=0, le=100)
    slack_bps: float = Field(
        1.0,
        title="Slack (bps)",
        description="Added to the limits so a tiny expected slippage is not hair-trigger.",
        ge=0,
        le=1000,
    )
    min_fills: int = Field(20, title="Minimum fills", ge=1, le=1_000_000)


class TradeFrequencyThresholds(_PValueGroup):
    """Two-sided Poisson test of the number of fills against trades per day × days."""

    warning_p: float = Field(1e-3, title="Warning p-value", gt=0, lt=1)
    critical_p: float = Field(1e-6, title="Critical p-value", gt=0, lt=1)
    min_days: float = Field(0.25, title="Minimum elapsed days", gt=0, le=10_000)


class DailyLossThresholds(_Group):
    """Today's loss: an absolute limit and/or an improbable loss under the fitted model."""

    ORDERED = (("critical_prob", "warning_prob"), ("warning_loss", "critical_loss"))

    warning_loss: float | None = Field(
        None,
        title="Warning daily loss",
        description="Fraction of the day's open equity.",
        gt=0,
        le=1,
    )
    critical_loss: float | None = Field(None, title="Critical daily loss", gt=0, le=1)
    warning_prob: float = Field(
        6.13e-4,
        title="Warning probability per day",
        description="With a backtest profile: warn on a daily loss this improbable.",
        gt=0,
        lt=0.5,
    )
    critical_prob: float = Field(3e-5, title="Critical probability per day", gt=0, lt=0.5)


class Thresholds(_Group):
    """All rule thresholds for one strategy (or the global defaults)."""

    drawdown: DrawdownThresholds = Field(default_factory=DrawdownThresholds)
    sharpe: SharpeThresholds = Field(default_factory=SharpeThresholds)
    distribution: DistributionThresholds = Field(default_factory=DistributionThresholds)
    cusum: DriftThresholds = Field(
        default_factory=lambda: DriftThresholds(
            warning_false_alarm=0.02, critical_false_alarm=0.008
        )
    )
    page_hinkley: DriftThresholds = Field(
        default_factory=lambda: DriftThresholds(
            warning_false_alarm=0.0005, critical_false_alarm=0.0002
        )
    )
    regime_cusum: DriftThresholds = Field(
        default_factory=lambda: DriftThresholds(
            warning_false_alarm=0.0208, critical_false_alarm=0.004
        )
    )
    win_rate: WinRateThresholds = Field(default_factory=WinRateThresholds)
    slippage: SlippageThresholds = Field(default_factory=SlippageThresholds)
    trade_frequency: TradeFrequencyThresholds = Field(default_factory=TradeFrequencyThresholds)
    daily_loss: DailyLossThresholds = Field(default_factory=DailyLossThresholds)
    stale_after_s: float = Field(
        10.0,
        title="Stale after (s)",
        description="No data for this long marks the feed stale.",
        gt=0,
        le=86400,
    )
    false_discovery_rate: float | None = Field(
        0.05,
        title="False discovery rate across strategies",
        description="Benjamini-Hochberg on the p-value rules across all strategies; "
        "empty turns the correction off.",
        gt=0,
        lt=1,
    )
