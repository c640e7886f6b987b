"""Render QSS templates (resources/qss/*.qss) with design tokens.

A template refers to a token as `{{ colors.surface.raised }}` (a composite's part as
`{{ typography.semantic.body.fontSize }}`). An unknown token is an error naming the
template and line, never an empty value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from perfdesk.theme import paths
from perfdesk.theme.theme import Theme, hex_to_rgba
from perfdesk.theme.tokens import TokenError

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_.\-]+)\s*\}\}")
HEADER = (
    "/* GENERATED from resources/tokens.json and resources/qss/*.qss by\n"
    "   `python -m perfdesk.theme.generate` -- do not edit; theme: {theme}. */\n"
)


def qss_value(theme: Theme, path: str) -> str:
    """A token's value written the way Qt style sheets accept it."""
    value = theme.value(path)
    if isinstance(value, str) and value.startswith("#") and len(value) == 9:
        r, g, b, a = hex_to_rgba(value)
        return f"rgba({r}, {g}, {b}, {a})"
    if isinstance(value, list):
        return ", ".join(f'"{v}"' if " " in str(v) else str(v) for v in value)
    if isinstance(value, dict):
        raise TokenError(f"{path!r} is a composite token; name one part ({', '.join(value)})")
    return str(value)


def render_template(text: str, theme: Theme, source: str = "<template>") -> str:
    """Substitute every placeholder; TokenError says `source:line` for an unknown token."""
    lines = []
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        try:
            lines.append(PLACEHOLDER.sub(lambda m: qss_value(theme, m.group(1)), line))
        except TokenError as exc:
            raise TokenError(f"{source}:{number}: {exc}") from None
    return "".join(lines)


def template_files(folder: Path = paths.QSS_TEMPLATES) -> list[Path]:
    """The templates in the order they are concatenated (file name order)."""
    return sorted(folder.glob("*.qss"))


def referenced_tokens(texts: Iterable[str]) -> set[str]:
    return {m.group(1) for text in texts for m in PLACEHOLDER.finditer(text)}


def render_stylesheet(theme: Theme, folder: Path = paths.QSS_TEMPLATES) -> str:
    """The whole application style sheet for `theme`."""
    parts = [HEADER.format(theme=f"{theme.name}/{theme.variant}/{theme.convention}")]
    for path in template_files(folder):
        body = render_template(path.read_text(encoding="utf-8"), theme, f"qss/{path.name}")
        parts.append(f"\n/* ---- {path.name} ---- */\n{body}")
    return "".join(parts)
