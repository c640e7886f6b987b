"""Settings screen: the form generated from DesktopSettings, plus secrets for the keyring.

Secrets (engine token, database password) go to the OS keyring through
perfdesk.services.support.secrets and are never written to the settings file; the fields are
cleared after storing. Data retention is the database's setting, with its own Save
(`retention_panel`). Signals: settings_saved(DesktopSettings).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from perfdesk.desktop_settings import DesktopSettings
from perfdesk.domain import url_secrets
from perfdesk.services.support import secrets
from perfdesk.views.components.button import Button
from perfdesk.views.components.form_field import FormField
from perfdesk.views.components.page_layout import page_column
from perfdesk.views.components.scroll_column import ScrollColumn
from perfdesk.views.forms.model_form import ModelForm
from perfdesk.views.settings import settings_store
from perfdesk.views.settings.retention_panel import RetentionPanel
from perfdesk.views.support import fmt, ops, style

log = logging.getLogger(__name__)


def keyring_message(env_var: str) -> str:
    """What to do when the OS keyring cannot take a secret, in one plain sentence."""
    return (
        "This computer has no usable keyring to keep the secret (on Linux, install and "
        f"unlock GNOME Keyring or KWallet); set {env_var} in the environment instead."
    )


SECRETS = (
    ("engine_token", "Engine token", "Bearer token for the engine link."),
    ("db_password", "Database password", "Password of the external database's user."),
)


class SettingsView(QWidget):
    """Edit and save DesktopSettings; store secrets in the keyring."""

    settings_saved = Signal(object)

    def __init__(self, store: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Page")
        self.store = store
        self.current = settings_store.load(store)
        fmt.set_display_zone(self.current.appearance.time_zone)  # one clock for every screen
        self.form = ModelForm(DesktopSettings, columns=2)
        self.secret_fields: dict[str, FormField] = {}
        self.retention = RetentionPanel()
        """The database's retention setting (its own Save; the app sets its source)."""
        self._build()
        self.form.changed.connect(lambda _r: self._update_actions())
        self.form.set_value(self.current)

    def _build(self) -> None:
        theme = style.current_theme()
        box = page_column(self)
        title = QLabel("Settings")
        title.setProperty("kind", "heading")
        box.addWidget(title)
        scroll = ScrollColumn(
            self.form,
            self.retention,
            self._secrets_box(),
            margins=(0, 0, theme.px("spacing.semantic.md"), 0),
            spacing=theme.px("spacing.semantic.lg"),
        )
        scroll.column.addStretch(1)
        box.addWidget(scroll, 1)
        box.addLayout(self._action_bar())

    def _secrets_box(self) -> QGroupBox:
        group = QGroupBox()
        theme = style.current_theme()
        outer = QVBoxLayout(group)
        outer.setContentsMargins(*(theme.px("spacing.semantic.lg"),) * 4)
        outer.setSpacing(theme.px("spacing.semantic.md"))
        title = QLabel("Secrets")
        title.setProperty("kind", "title")
        outer.addWidget(title)
        grid = QHBoxLayout()
        grid.setSpacing(theme.px("spacing.semantic.xl"))
        outer.addLayout(grid)
        for name, label, about in SECRETS:
            env = secrets.env_var(name)
            field = FormField(
                label, help_text=f"{about} Kept in the OS keyring, or set {env}.", password=True
            )
            self.secret_fields[name] = field
            grid.addWidget(field, 1)
        self.store_secrets_button = Button("Store in keyring", "secondary")
        self.store_secrets_button.clicked.connect(self.store_secrets)
        grid.addWidget(self.store_secrets_button, 0, Qt.AlignmentFlag.AlignTop)
        return group

    def _action_bar(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.state_label = QLabel()
        self.state_label.setProperty("kind", "muted")
        self.discard_button = Button("Discard changes", "secondary")
        self.discard_button.clicked.connect(lambda: self.form.set_value(self.current))
        self.save_button = Button("Save", "primary", shortcut="Ctrl+S")
        self.save_button.clicked.connect(self.save)
        row.addWidget(self.state_label, 1)
        row.addWidget(self.discard_button)
        row.addWidget(self.save_button)
        return row

    def _update_actions(self) -> None:
        result = self.form.result
        changed = result.valid and result.value != self.current
        self.save_button.setEnabled(bool(changed))
        self.discard_button.setEnabled(not result.valid or bool(changed))
        if not result.valid:
            self.state_label.setText("Fix the highlighted fields to save")
        else:
            self.state_label.setText("Unsaved changes" if changed else "Saved")

    def save(self) -> None:
        value = self.form.value()
        if not isinstance(value, DesktopSettings) or not self.save_button.isEnabled():
            return
        restart = value.connection != self.current.connection
        settings_store.save(self.store, value)
        self.current = value
        fmt.set_display_zone(value.appearance.time_zone)
        self._update_actions()
        if restart:
            self.state_label.setText("Saved — connection changes apply after a restart")
        self.settings_saved.emit(value)

    def store_secrets(self) -> None:
        """Put the typed secrets into the keyring (off the GUI thread), then clear them."""
        for name, field in self.secret_fields.items():
            if field.text:
                self._store_one(name, field)
        for key, entry in settings_store.URL_SECRETS.items():
            if url_secrets.has_secrets(self.form.fields[key].text):
                self._move_url_secret(entry, self.form.fields[key])

    def _move_url_secret(self, entry: str, field: FormField) -> None:
        """Take the password/token out of a URL field into the keyring; keep the rest."""
        url = field.text

        def moved(clean: str) -> None:
            field.set_text(clean)
            field.help.setText("Its secret was moved to the OS keyring.")
            field.help.show()

        def failed(exc: BaseException) -> None:
            field.set_error(f"Not moved ({exc}); set {secrets.env_var(entry)} instead")

        ops.run(
            lambda: secrets.move_url_secret(url, entry),
            owner=field,
            on_success=moved,
            on_failure=failed,
        )

    def _store_one(self, name: str, field: FormField) -> None:
        value = field.text

        def store() -> None:
            secrets.set_secret(name, value)

        def failed(exc: BaseException) -> None:
            log.warning("keyring: could not store %s: %s", name, exc)  # the library's text
            field.set_error(keyring_message(secrets.env_var(name)))

        ops.run(store, owner=field, on_success=lambda _r: self._stored(field), on_failure=failed)

    def show_connection(self, engine_url: str | None, *, demo: bool = False) -> None:
        """The engine actually connected now (e.g. the demo's built-in one), shown in the
        Engine URL field while no URL is saved there."""
        field = self.form.fields["connection.engine_url"]
        if not engine_url or field.text or not isinstance(field.input, QLineEdit):
            return
        what = "the demo's built-in engine" if demo else "from the command line"
        field.input.setPlaceholderText(f"{engine_url}  ({what}, connected now)")
        field.input.setToolTip(
            f"Connected now to {engine_url} ({what}). A URL saved here applies to a normal "
            "start; the demo always uses its own engine."
        )

    def _stored(self, field: FormField) -> None:
        field.set_text("")
        field.set_error(None)
        field.help.setText("Stored in the OS keyring.")
        field.help.show()
