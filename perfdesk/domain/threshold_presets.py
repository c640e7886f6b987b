"""Detection presets: corners of the measured trade-off between false alarms, crashes and
decays, for a desk that wants another corner than the defaults.

Each preset sets the *warning* levels of the four rules whose split of the yearly
false-alarm budget decides the trade-off (`daily_loss`, `sharpe_decay`, `cusum`,
`regime_cusum`); everything else (critical levels, the other rules, absolute limits) is
left as the desk has it. The figures are what `perfdesk bench validate`'s scenarios
measured at these levels on the seventh round's eight pooled calibration sets (1,200
scenarios of each kind), the same footing for all three; the defaults' one evaluation on
fresh seeds read 8.0 % / 75.5 % / 20.0 % / 72.5 %. See docs/validation.md, "Seventh
round".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import ValidationError

from perfdesk.domain.events import describe_validation_error
from perfdesk.domain.thresholds import Thresholds

LEVEL_FIELDS = (
    "daily_loss.warning_prob",
    "sharpe.warning_p",
    "cusum.warning_false_alarm",
    "regime_cusum.warning_false_alarm",
)
"""The warning levels a preset sets (dotted paths into `Thresholds`)."""


@dataclass(frozen=True)
class BenchFigures:
    """Shares of the bench's labelled scenarios: healthy strategies that ever warned in
    their first live year, crashes warned within 5 days, decays flagged within 60 days of
    the change and by the end of the live year."""

    healthy_warning: float
    crash_5d: float
    decay_60d: float
    decay_year: float
    measured_on: str

    def sentence(self) -> str:
        """The figures in a trader's words."""
        return (
            f"warned on {self.healthy_warning:.1%} of healthy strategies in their first "
            f"year; caught {self.crash_5d:.0%} of crashes within 5 days, "
            f"{self.decay_60d:.0%} of decays within 60 days and {self.decay_year:.0%} "
            f"by year end ({self.measured_on})"
        )


@dataclass(frozen=True)
class Preset:
    name: str
    summary: str
    levels: Mapping[str, float]
    figures: BenchFigures

    def applied_to(self, thresholds: Thresholds) -> Thresholds:
        """`thresholds` with this preset's warning levels; ValueError (naming the rule)
        if one falls to or below a critical level the desk set higher."""
        data = thresholds.model_dump()
        for path, value in self.levels.items():
            group, field = path.split(".")
            data[group][field] = value
        try:
            return Thresholds.model_validate(data)
        except ValidationError as exc:
            raise ValueError(f"preset '{self.name}': {describe_validation_error(exc)}") from None

    def matches(self, thresholds: Thresholds) -> bool:
        """Are `thresholds`' four warning levels this preset's?"""
        return self.matches_levels(levels_of(thresholds))

    def matches_levels(self, levels: Mapping[str, float | None]) -> bool:
        """Are these (dotted path -> value, None if unreadable) this preset's levels?"""
        return all(levels.get(path) == value for path, value in self.levels.items())


def levels_of(thresholds: Thresholds) -> dict[str, float | None]:
    """The four warning levels a preset sets, as `thresholds` has them."""
    return {path: _get(thresholds, path) for path in LEVEL_FIELDS}


def _get(thresholds: Thresholds, path: str) -> float:
    group, field = path.split(".")
    return float(getattr(getattr(thresholds, group), field))


def _levels(daily_loss: float, sharpe: float, cusum: float, regime: float) -> dict[str, float]:
    return dict(zip(LEVEL_FIELDS, (daily_loss, sharpe, cusum, regime), strict=True))


_CALIBRATION = "calibration scenarios"
_DEFAULTS = Thresholds()

PRESETS: tuple[Preset, ...] = (
    Preset(
        "Balanced: catch crashes (defaults)",
        "Crashes first: most of the false-alarm budget goes to the daily-loss rule, so a "
        "sudden loss is caught fast; slow decays are found later.",
        {path: _get(_DEFAULTS, path) for path in LEVEL_FIELDS},  # one source: Thresholds()
        BenchFigures(0.095, 0.762, 0.175, 0.729, _CALIBRATION),
    ),
    Preset(
        "Catch decays sooner",
        "Decays first: the same false-alarm budget spent on the decay rules, so decays are "
        "flagged sooner and more often; sudden crashes are caught less often.",
        _levels(3.915e-4, 0.0181, 0.0548, 0.0246),
        BenchFigures(0.099, 0.555, 0.316, 0.812, _CALIBRATION),
    ),
    Preset(
        "Most sensitive",
        "Crashes and decays both, paid for with more false alarms on healthy strategies.",
        _levels(5.48e-4, 0.0181, 0.0548, 0.0246),
        BenchFigures(0.120, 0.729, 0.327, 0.816, _CALIBRATION),
    ),
)


def preset_of(thresholds: Thresholds) -> Preset | None:
    """The preset whose warning levels `thresholds` have, None for a custom mix."""
    return preset_of_levels(levels_of(thresholds))


def preset_of_levels(levels: Mapping[str, float | None]) -> Preset | None:
    """The preset of these four warning levels (as a draft's fields read, None where a
    field is not a number), None for a custom mix."""
    return next((p for p in PRESETS if p.matches_levels(levels)), None)
