"""Load/save DesktopSettings in QSettings (one key per field; never a secret).

A stored value that no longer validates is dropped with a warning in the log and the
field falls back to its default, so a bad settings file never stops the app.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QSettings

from perfdesk.desktop_settings import DesktopSettings
from perfdesk.views.forms import model_schema as schema

log = logging.getLogger(__name__)
PREFIX = "settings/"
SPECS = schema.describe(DesktopSettings)


def load(store: QSettings) -> DesktopSettings:
    """The saved settings, defaults where nothing (valid) was saved."""
    texts = schema.flatten(DesktopSettings(), SPECS)
    index = {s.key: s for g in SPECS for s in g.fields}
    for key, spec in index.items():
        raw = store.value(PREFIX + key)
        if raw is not None:
            texts[key] = str(raw)
        else:
            texts[key] = schema.format_value(spec, texts[key])
    result = schema.validate_draft(DesktopSettings, SPECS, texts)
    if isinstance(result.value, DesktopSettings):
        return result.value
    log.warning(
        "ignoring invalid saved settings: %s", {**result.field_errors, **result.group_errors}
    )
    return _salvage(texts, result)


def _salvage(texts: dict[str, str], bad: schema.DraftResult) -> DesktopSettings:
    defaults = schema.flatten(DesktopSettings(), SPECS)
    index = {s.key: s for g in SPECS for s in g.fields}
    fixed = {
        k: (schema.format_value(index[k], defaults[k]) if k in bad.field_errors else v)
        for k, v in texts.items()
    }
    result = schema.validate_draft(DesktopSettings, SPECS, fixed)
    return result.value if isinstance(result.value, DesktopSettings) else DesktopSettings()


def save(store: QSettings, settings: DesktopSettings) -> None:
    index = {s.key: s for g in SPECS for s in g.fields}
    for key, value in schema.flatten(settings, SPECS).items():
        store.setValue(PREFIX + key, schema.format_value(index[key], value))
    store.sync()
