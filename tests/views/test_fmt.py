"""One number format for every screen: true minus signs, no "−0.0", no exponents for
everyday sizes, percent without a space (like the rule messages)."""

from __future__ import annotations

import math

from perfdesk.views.forms.model_schema import _num
from perfdesk.views.support import fmt


def test_signs_and_negative_zero() -> None:
    assert fmt.percent(-0.6257, 2) == "\u221262.57%"
    assert fmt.percent(-0.00001) == "0.0%"  # rounds to zero: no sign
    assert fmt.percent(0.05, signed=True) == "+5.0%"
    assert fmt.signed_money(-0.004) == "0.00"
    assert fmt.money(-1234.5) == "\u22121,234.50"
    assert fmt.ratio(-15.874) == "\u221215.87"
    assert fmt.percent(math.nan) == fmt.DASH


def test_measured_values_and_bounds_read_naturally() -> None:
    assert fmt.number(31_622_400.0) == "31,622,400"
    assert fmt.number(0.0123) == "0.0123"
    assert fmt.number(12.3456) == "12.35"
    assert fmt.number(10.0) == "10"
    assert fmt.number(-2.5) == "\u22122.5"
    assert _num(31_622_400.0) == "31,622,400"  # was "3.16224e+07" in the form's help
    assert _num(-1.0) == "\u22121"


def test_form_inputs_show_small_numbers_without_exponents() -> None:
    from perfdesk.domain.thresholds import Thresholds
    from perfdesk.views.forms.model_schema import describe, format_value

    spec = next(f for g in describe(Thresholds) for f in g.fields if f.key == "sharpe.critical_p")
    assert format_value(spec, 2e-05) == "0.00002"
    assert format_value(spec, 0.0002) == "0.0002"
    assert format_value(spec, 1.5) == "1.5"


def test_times_show_date_time_and_zone_in_the_chosen_display_zone() -> None:
    from datetime import UTC, datetime

    import pytest
    from pydantic import ValidationError

    from perfdesk.desktop_settings import Appearance
    from perfdesk.views.support import fmt

    moment = datetime(2026, 1, 15, 14, 2, 5, tzinfo=UTC)
    try:
        fmt.set_display_zone("UTC")
        assert fmt.local_time(moment) == "2026-01-15 14:02:05 UTC"
        assert fmt.short_time(moment) == "Jan 15 14:02 UTC"  # another day: date and zone
        fmt.set_display_zone("America/New_York")
        assert fmt.local_time(moment) == "2026-01-15 09:02:05 EST"
        assert fmt.minute_time(moment) == "2026-01-15 09:02 EST"
        now = datetime.now(UTC)
        assert fmt.short_time(now).endswith(" EST") or fmt.short_time(now).endswith(" EDT")
        with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
            fmt.set_display_zone("Mars/Olympus")
        with pytest.raises(ValidationError, match="unknown time zone"):
            Appearance(time_zone="Mars/Olympus")
        assert Appearance(time_zone="UTC").time_zone == "UTC"
    finally:
        fmt.set_display_zone("local")


def test_a_drawdown_reads_the_same_whatever_its_sign_convention() -> None:
    from perfdesk.views.support import fmt

    assert fmt.depth(0.183) == fmt.depth(-0.183) == "18.3%"
    assert fmt.depth(None) == fmt.DASH
