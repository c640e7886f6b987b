"""A resolved theme: typed accessors over the tokens of one (theme, variant, convention)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict

from perfdesk.theme import resolve
from perfdesk.theme.tokens import (
    THEMES,
    DesignToken,
    FlatTokens,
    PnlConvention,
    TokenError,
    TokenSource,
    load_source,
)

_SWAPPED_FOR_RED_UP = (
    ("colors.semantic.profit", "colors.semantic.loss"),
    ("colors.semantic.profit_subtle", "colors.semantic.loss_subtle"),
)


@dataclass(frozen=True, slots=True)
class Typography:
    """A text style: font families in preference order, size in logical px, CSS weight."""

    families: tuple[str, ...]
    size_px: int
    weight: int
    line_height: float


class Theme(BaseModel):
    """Fully resolved tokens. Colours are `#rrggbb` or `#rrggbbaa` strings."""

    model_config = ConfigDict(frozen=True)

    name: str
    variant: str
    convention: PnlConvention
    tokens: dict[str, DesignToken]

    @property
    def is_dark(self) -> bool:
        return self.name == "dark"

    def value(self, path: str) -> Any:
        """The resolved value at `path`; a composite's part as `path.part`."""
        if path in self.tokens:
            return self.tokens[path].value
        head, _, part = path.rpartition(".")
        token = self.tokens.get(head)
        if token is not None and isinstance(token.value, dict) and part in token.value:
            return token.value[part]
        raise TokenError(f"unknown design token {path!r} (theme {self.name}/{self.variant})")

    def has(self, path: str) -> bool:
        try:
            self.value(path)
        except TokenError:
            return False
        return True

    def color(self, path: str) -> str:
        value = self.value(path)
        if not (isinstance(value, str) and value.startswith("#")):
            raise TokenError(f"design token {path!r} is not a colour: {value!r}")
        return value

    def rgba(self, path: str) -> tuple[int, int, int, int]:
        """Colour as 0-255 (r, g, b, a)."""
        return hex_to_rgba(self.color(path))

    def px(self, path: str) -> int:
        """A dimension in logical (device-independent) pixels."""
        value = str(self.value(path))
        if not value.endswith("px"):
            raise TokenError(f"design token {path!r} is not a px dimension: {value!r}")
        return round(float(value[:-2]))

    def ms(self, path: str) -> int:
        """A transition's (or a duration token's) duration in milliseconds."""
        value = self.value(path)
        text = str(value["duration"] if isinstance(value, dict) else value)
        if not text.endswith("ms"):
            raise TokenError(f"design token {path!r} has no ms duration: {value!r}")
        return round(float(text[:-2]))

    def typography(self, path: str) -> Typography:
        value = self.value(path)
        if not isinstance(value, dict):
            raise TokenError(f"design token {path!r} is not a typography token")
        families = value["fontFamily"]
        return Typography(
            families=tuple(families if isinstance(families, list) else [families]),
            size_px=round(float(str(value["fontSize"]).removesuffix("px"))),
            weight=int(value.get("fontWeight", 400)),
            line_height=float(value.get("lineHeight", 1.3)),
        )


def hex_to_rgba(text: str) -> tuple[int, int, int, int]:
    digits = text.lstrip("#")
    alpha = int(digits[6:8], 16) if len(digits) == 8 else 255
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16), alpha


def build_theme(
    source: TokenSource,
    name: str = "dark",
    variant: str = "standard",
    convention: PnlConvention = PnlConvention.GREEN_UP,
) -> Theme:
    """Merge, apply the P/L convention, resolve references and check types."""
    merged = source.merged(name, variant)
    if convention is PnlConvention.RED_UP:
        merged = _swap_profit_loss(merged)
    return Theme(
        name=name, variant=variant, convention=convention, tokens=resolve.resolve_all(merged)
    )


def _swap_profit_loss(tokens: FlatTokens) -> FlatTokens:
    swapped = dict(tokens)
    for up, down in _SWAPPED_FOR_RED_UP:
        swapped[up], swapped[down] = tokens[down], tokens[up]
    return swapped


def load_theme(
    name: str = "dark",
    variant: str = "standard",
    convention: PnlConvention | str = PnlConvention.GREEN_UP,
) -> Theme:
    """The theme from resources/tokens.json. `name` is one of THEMES."""
    if name not in THEMES:
        raise TokenError(f"unknown theme {name!r}; choose one of {', '.join(THEMES)}")
    return build_theme(load_source(), name, variant, PnlConvention(convention))
