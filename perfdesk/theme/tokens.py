"""Design tokens: load resources/tokens.json (W3C format), resolve references, pick a theme.

The file has theme-independent groups (palette, typography, spacing, effects, ...), a
`themes` group with the colours of each theme and a `variants` group whose entries
override a theme (the colour-blind-safe palette). A `Theme` is the fully resolved,
immutable result for one (theme, variant, P/L convention) choice; everything visual in
perfdesk (QSS, QPalette, chart pens) reads from it.
"""

from __future__ import annotations

import json
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from perfdesk.theme import paths

TokenValue = str | int | float | list[Any] | dict[str, Any]

THEMES = ("dark", "light")
VARIANTS = ("standard", "colorblind")


class PnlConvention(StrEnum):
    """Which colour means "up": green (Western desks) or red (East Asian desks)."""

    GREEN_UP = "green_up"
    RED_UP = "red_up"


class TokenError(ValueError):
    """A token file or a lookup that is wrong; the message names the token path."""


class DesignToken(BaseModel):
    """One W3C design token; `type` is inherited from the enclosing group."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    value: TokenValue = Field(alias="$value")
    type: str | None = Field(None, alias="$type")
    description: str | None = Field(None, alias="$description")


FlatTokens = dict[str, DesignToken]


def flatten(node: dict[str, Any], prefix: str = "", group_type: str | None = None) -> FlatTokens:
    """Tokens of a (nested) group keyed by dotted path; `$`-keys are metadata."""
    out: FlatTokens = {}
    group_type = node.get("$type", group_type)
    for key, child in node.items():
        if key.startswith("$") or not isinstance(child, dict):
            continue
        path = f"{prefix}{key}"
        if "$value" in child:
            out[path] = _parse_token(path, {"$type": group_type, **child})
        else:
            out.update(flatten(child, f"{path}.", group_type))
    return out


def _parse_token(path: str, raw: dict[str, Any]) -> DesignToken:
    try:
        return DesignToken.model_validate(raw)
    except ValidationError as exc:
        raise TokenError(f"token {path}: {exc.errors()[0]['msg']}") from None


class TokenSource(BaseModel):
    """The parsed tokens file: shared tokens, per-theme colours, variant overrides."""

    model_config = ConfigDict(frozen=True)

    shared: FlatTokens
    themes: dict[str, FlatTokens]
    variants: dict[str, dict[str, FlatTokens]]

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> TokenSource:
        shared = {k: v for k, v in doc.items() if k not in ("themes", "variants")}
        themes = {name: flatten(tree) for name, tree in _groups(doc.get("themes", {})).items()}
        variants = {
            name: {theme: flatten(tree) for theme, tree in _groups(per_theme).items()}
            for name, per_theme in _groups(doc.get("variants", {})).items()
        }
        return cls(shared=flatten(shared), themes=themes, variants=variants)

    def merged(self, theme: str, variant: str) -> FlatTokens:
        """All tokens of `theme` with `variant` applied, references still unresolved."""
        if theme not in self.themes:
            raise TokenError(f"unknown theme {theme!r}; known: {', '.join(self.themes)}")
        if variant != "standard" and variant not in self.variants:
            raise TokenError(
                f"unknown variant {variant!r}; known: standard, {', '.join(self.variants)}"
            )
        overrides = self.variants.get(variant, {}).get(theme, {})
        return {**self.shared, **self.themes[theme], **overrides}


def _groups(node: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in node.items() if not k.startswith("$") and isinstance(v, dict)}


@lru_cache(maxsize=4)
def load_source(path: Path = paths.TOKENS_JSON) -> TokenSource:
    """Parse the tokens file (cached: it is read once per process)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise TokenError(f"{path}: cannot read design tokens: {exc}") from None
    return TokenSource.from_document(doc)
