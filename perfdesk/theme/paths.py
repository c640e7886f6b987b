"""Where the design resources live (tokens JSON, QSS templates, generated QSS)."""

from __future__ import annotations

from pathlib import Path

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
TOKENS_JSON = RESOURCES / "tokens.json"
QSS_TEMPLATES = RESOURCES / "qss"


def generated_qss(theme: str) -> Path:
    """The committed QSS for `theme` ("dark" is resources/tokens.qss, the default)."""
    return RESOURCES / ("tokens.qss" if theme == "dark" else f"tokens-{theme}.qss")
