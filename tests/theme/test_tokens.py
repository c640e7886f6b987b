"""Design tokens: the brief's tokens exist in every theme, references resolve, types check."""

from __future__ import annotations

import pytest

from perfdesk.theme.theme import build_theme, load_theme
from perfdesk.theme.tokens import (
    THEMES,
    VARIANTS,
    PnlConvention,
    TokenError,
    TokenSource,
    load_source,
)

BRIEF_TOKENS = [
    "colors.semantic.status.success",
    "colors.semantic.status.warning",
    "colors.semantic.status.error",
    "colors.semantic.profit",
    "colors.semantic.loss",
    "colors.financial.status_indicators.active_strategy",
    "colors.financial.status_indicators.failed_strategy",
    "typography.semantic.body",
    "typography.semantic.caption",
    "typography.semantic.price",
    "spacing.semantic.lg",
    "spacing.semantic.xl",
    "spacing.semantic.2xl",
    "effects.semantic.card_hover",
    "effects.semantic_transitions.normal",
]


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("name", THEMES)
def test_every_brief_token_exists_in_every_theme(name: str, variant: str) -> None:
    theme = load_theme(name, variant)
    missing = [path for path in BRIEF_TOKENS if path not in theme.tokens]
    assert missing == []


def test_themes_define_the_same_colour_tokens() -> None:
    source = load_source()
    dark, light = (set(source.themes[name]) for name in ("dark", "light"))
    assert dark ^ light == set()


def test_typed_accessors_read_resolved_values() -> None:
    theme = load_theme("dark")
    assert (
        theme.px("spacing.semantic.lg")
        < theme.px("spacing.semantic.xl")
        < theme.px("spacing.semantic.2xl")
    )
    assert theme.ms("effects.semantic_transitions.normal") == 200
    price = theme.typography("typography.semantic.price")
    assert price.size_px > theme.typography("typography.semantic.body").size_px
    assert theme.color("effects.semantic.card_hover.background") == theme.color(
        "colors.surface.hover"
    )
    assert theme.rgba("colors.semantic.status_subtle.error")[3] < 255


def test_red_up_swaps_profit_and_loss_colours() -> None:
    green = load_theme("dark", convention=PnlConvention.GREEN_UP)
    red = load_theme("dark", convention=PnlConvention.RED_UP)
    assert red.color("colors.semantic.profit") == green.color("colors.semantic.loss")
    assert red.color("colors.semantic.loss") == green.color("colors.semantic.profit")


def test_colorblind_variant_avoids_red_green_pair() -> None:
    theme = load_theme("dark", "colorblind")
    pair = {theme.color("colors.semantic.profit"), theme.color("colors.semantic.loss")}
    assert pair == {"#56b4e9", "#e69f00"}


def _doc(colors: dict[str, object]) -> dict[str, object]:
    return {
        "palette": {"$type": "color", "a": {"$value": "#112233"}},
        "themes": {"dark": {"colors": colors}},
    }


def test_unknown_reference_names_the_token() -> None:
    source = TokenSource.from_document(_doc({"$type": "color", "x": {"$value": "{palette.nope}"}}))
    with pytest.raises(TokenError, match=r"colors\.x refers to unknown token \{palette\.nope\}"):
        build_theme(source, "dark")


def test_circular_reference_is_reported() -> None:
    source = TokenSource.from_document(
        _doc({"$type": "color", "x": {"$value": "{colors.y}"}, "y": {"$value": "{colors.x}"}})
    )
    with pytest.raises(TokenError, match="circular reference"):
        build_theme(source, "dark")


def test_value_of_wrong_type_is_reported() -> None:
    source = TokenSource.from_document(_doc({"$type": "color", "x": {"$value": "blue-ish"}}))
    with pytest.raises(TokenError, match=r"colors\.x: 'blue-ish' is not a valid color"):
        build_theme(source, "dark")


def test_unknown_theme_lookup_is_reported() -> None:
    with pytest.raises(TokenError, match="unknown theme"):
        load_theme("sepia")
    with pytest.raises(TokenError, match="unknown design token"):
        load_theme("dark").value("colors.nope")
