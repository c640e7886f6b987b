"""Threshold models: defaults valid, cross-field rules name both fields, JSON round trip."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from perfdesk.domain.thresholds import (
    DailyLossThresholds,
    DrawdownThresholds,
    DriftThresholds,
    SharpeThresholds,
    SlippageThresholds,
    Thresholds,
)


def test_defaults_round_trip() -> None:
    th = Thresholds()
    assert Thresholds.model_validate_json(th.model_dump_json()) == th
    assert th.cusum.warning_false_alarm > th.cusum.critical_false_alarm
    assert th.sharpe.warning_p > th.sharpe.critical_p


@pytest.mark.parametrize(
    ("factory", "words"),
    [
        (lambda: DrawdownThresholds(warning_ratio=1.5, critical_ratio=1.2), "'Warning at'"),
        (
            lambda: DrawdownThresholds(warning_percentile=0.99, critical_percentile=0.98),
            "'Warning percentile'",
        ),
        (lambda: SharpeThresholds(warning_p=0.001, critical_p=0.01), "'Critical p-value'"),
        (
            lambda: DriftThresholds(warning_false_alarm=0.01, critical_false_alarm=0.02),
            "'Critical false-alarm rate'",
        ),
        (
            lambda: SlippageThresholds(warning_ratio=3, critical_ratio=2),
            r"'Warning at \(× expected\)' must be below 'Critical at \(× expected\)'",
        ),
        (
            lambda: DailyLossThresholds(warning_prob=1e-6),
            "'Critical probability per day' must be below 'Warning probability per day'",
        ),
        (
            lambda: DailyLossThresholds(warning_loss=0.05, critical_loss=0.03),
            "'Warning daily loss'",
        ),
    ],
)
def test_warning_must_be_less_severe_than_critical(factory, words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        factory()


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError, match="extra"):
        Thresholds.model_validate({"drawdown": {"warn": 1}})
