"""Load/save DesktopSettings in QSettings (one key per field; never a secret: URLs are
written without passwords/tokens, and a file that has one is scrubbed when loaded).

A stored value that no longer validates is dropped with a warning in the log and the
field falls back to its default, so a bad settings file never stops the app.
"""

from __future__ import annotations

import logging

from keyring.errors import KeyringError
from PySide6.QtCore import QSettings

from perfdesk.desktop_settings import DesktopSettings
from perfdesk.domain import url_secrets
from perfdesk.services.support import secrets
from perfdesk.views.forms import model_schema as schema

log = logging.getLogger(__name__)
PREFIX = "settings/"
SPECS = schema.describe(DesktopSettings)


URL_SECRETS = {"connection.dsn": "db_password", "connection.engine_url": "engine_token"}
"""Settings keys that hold a URL, and the keyring entry a secret found in one goes to."""


def load(store: QSettings) -> DesktopSettings:
    """The saved settings, defaults where nothing (valid) was saved. A secret found in the
    file (an older perfdesk, a hand edit) is moved to the keyring and removed from it."""
    scrub(store)
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
        text = schema.format_value(index[key], value)
        if key in URL_SECRETS:  # the model refuses them; never write one regardless
            text = url_secrets.split(text).clean
        store.setValue(PREFIX + key, text)
    store.sync()


def scrub(store: QSettings) -> None:
    """Take every secret out of the stored URLs: into the keyring when one is usable, and
    out of the file in any case (the log says which variable to set; never the value).
    Runs on the caller's thread: only a file that holds a secret touches the keyring."""
    changed = False
    for key, entry in URL_SECRETS.items():
        raw = store.value(PREFIX + key)
        if raw is None or not url_secrets.has_secrets(str(raw)):
            continue
        try:
            clean = secrets.move_url_secret(str(raw), entry)
            log.warning("moved a secret from the settings file's %s to the OS keyring", key)
        except (KeyringError, ValueError) as exc:
            clean = url_secrets.split(str(raw)).clean
            log.warning(
                "removed a secret from the settings file's %s (%s); set %s or store it "
                "in Settings › Secrets",
                key,
                exc,
                secrets.env_var(entry),
            )
        store.setValue(PREFIX + key, clean)
        changed = True
    if changed:
        store.sync()
