"""Detection presets: the four warning levels of a corner of the measured trade-off,
applied to whatever else the desk has set."""

from __future__ import annotations

import pytest

from perfdesk.domain.threshold_presets import LEVEL_FIELDS, PRESETS, preset_of, preset_of_levels
from perfdesk.domain.thresholds import Thresholds


def _flat(th: Thresholds) -> dict[str, object]:
    out: dict[str, object] = {}
    for name, value in th.model_dump().items():  # groups, and a few top-level fields
        items = value.items() if isinstance(value, dict) else [("", value)]
        out |= {f"{name}.{k}": v for k, v in items}
    return out


def test_the_first_preset_is_the_shipped_defaults() -> None:
    assert PRESETS[0].matches(Thresholds())
    assert preset_of(Thresholds()) is PRESETS[0]
    assert PRESETS[0].applied_to(Thresholds()) == Thresholds()


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.name)
def test_a_preset_sets_only_its_four_warning_levels(preset) -> None:
    desk = Thresholds.model_validate(
        {"drawdown": {"warning_ratio": 0.7}, "daily_loss": {"warning_loss": 0.03}}
    )
    after = preset.applied_to(desk)
    changed = {k for k, v in _flat(after).items() if _flat(desk)[k] != v}
    assert changed <= set(LEVEL_FIELDS)
    assert after.drawdown.warning_ratio == 0.7 and after.daily_loss.warning_loss == 0.03
    assert preset_of(after) is preset
    assert {k: _flat(after)[k] for k in LEVEL_FIELDS} == dict(preset.levels)


def test_presets_are_distinct_corners_of_the_trade_off() -> None:
    balanced, decays, sensitive = PRESETS
    assert len({tuple(p.levels.values()) for p in PRESETS}) == len(PRESETS)
    assert decays.figures.decay_year > balanced.figures.decay_year
    assert decays.figures.decay_60d > balanced.figures.decay_60d
    assert decays.figures.crash_5d < balanced.figures.crash_5d
    assert sensitive.figures.healthy_warning > max(
        balanced.figures.healthy_warning, decays.figures.healthy_warning
    )
    for p in PRESETS:  # warning levels stay above the default critical levels
        p.applied_to(Thresholds())


def test_a_preset_below_a_critical_level_the_desk_raised_is_refused_with_the_rule() -> None:
    desk = Thresholds.model_validate({"sharpe": {"warning_p": 0.05, "critical_p": 0.01}})
    with pytest.raises(ValueError, match=r"preset 'Balanced.*sharpe"):
        PRESETS[0].applied_to(desk)  # its sharpe warning 0.0062 is below 0.01


def test_a_custom_mix_is_no_preset_and_the_figures_read_as_a_sentence() -> None:
    custom = Thresholds.model_validate({"cusum": {"warning_false_alarm": 0.03}})
    assert preset_of(custom) is None
    text = PRESETS[1].figures.sentence()
    assert "9.9% of healthy strategies" in text and "56% of crashes within 5 days" in text
    assert "81% by year end" in text


def test_a_drafts_four_levels_name_their_preset_even_if_one_is_unreadable_elsewhere() -> None:
    levels = dict(PRESETS[2].levels)
    assert preset_of_levels(levels) is PRESETS[2]
    assert preset_of_levels(levels | {"cusum.warning_false_alarm": None}) is None
    assert preset_of_levels({}) is None
