"""How a typed number is read in every generated form (thresholds, expectations,
settings): model_schema.parse_text. Pure logic: no display needed."""

from __future__ import annotations

import pytest

from perfdesk.views.forms.model_schema import FieldSpec, parse_text


def _spec(kind: type, *, optional: bool = False) -> FieldSpec:
    return FieldSpec(
        path=("k",), title="K", description="", kind=kind, optional=optional, default=None
    )


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0.5", 0.5),
        (" 1e-5 ", 1e-5),
        ("\u22120.25", -0.25),  # a typographic minus
        ("1,000", 1000.0),
        ("12,345.5", 12345.5),
        ("-1,000,000", -1e6),
        ("1,000e-3", 1.0),
    ],
)
def test_numbers_a_trader_types_are_read(text: str, value: float) -> None:
    assert parse_text(_spec(float), text) == value


@pytest.mark.parametrize("text", ["0,5", "0,800", "1,5", "12,34", "1,0000", ",5", "1,,000"])
def test_a_decimal_comma_is_refused_not_read_as_thousands(text: str) -> None:
    """ "0,5" was read as 5 (the comma dropped as a thousands separator): on a drawdown
    warning ratio that is 5× the expected drawdown instead of ½×, silently."""
    with pytest.raises(ValueError, match="use a point for decimals"):
        parse_text(_spec(float), text)


@pytest.mark.parametrize(
    ("text", "message"),
    [("abc", "is not a number"), ("nan", "finite"), ("inf", "finite"), ("1e400", "finite")],
)
def test_other_bad_numbers_say_why(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_text(_spec(float), text)


def test_whole_numbers_and_empty_fields() -> None:
    assert parse_text(_spec(int), "2,000") == 2000
    with pytest.raises(ValueError, match="whole number"):
        parse_text(_spec(int), "2.5")
    assert parse_text(_spec(float, optional=True), "  ") is None
    with pytest.raises(ValueError, match="Required"):
        parse_text(_spec(float), "")
