"""Alert timing settings (how long a breach must hold, keep-firing, recovery margin, quiet
period): a form generated from `perfdesk.domain.alerts.AlertSettings`, versioned in the
database and applied at once by every perfdesk on it.

    panel = AlertSettingsPanel(store, who="ann")      # store: AlertSettingsStore
    dialog = AlertSettingsDialog(store, who, parent)  # the Alerts page's "Timing settings…"

The store is `LiveSettingsStore(runtime.alert_settings, run=host.run)` in the app (the
settings object lives on the backend loop); perfdesk/backend_views.py builds it. Every field is
checked as you type; Save is enabled only when the draft is valid and differs from the
version in force; each save is a new version (who, when, comment, old → new) and an older
one can be loaded back as a draft. Signals: saved(int version).
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import Any, Protocol, TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from perfdesk.domain.alerts import AlertSettings
from perfdesk.services.store.config_store import SavedAlertSettings
from perfdesk.views.components.button import Button
from perfdesk.views.components.data_table import DataTable, RowTableModel
from perfdesk.views.components.scroll_column import ScrollColumn
from perfdesk.views.forms import model_schema as schema
from perfdesk.views.forms.model_form import ModelForm
from perfdesk.views.support import fmt, ops, style
from perfdesk.views.support.hop import Hop, Run
from perfdesk.views.support.shown_loader import LoadsWhenShown
from perfdesk.views.thresholds.version_table import VersionRow, row_key, show_value, version_columns

T = TypeVar("T")


class AlertSettingsStore(Protocol):
    """Where the alert settings are kept (all awaited on the GUI loop)."""

    def load(self) -> Awaitable[SavedAlertSettings]: ...

    def save(
        self, settings: AlertSettings, who: str, comment: str | None
    ) -> Awaitable[SavedAlertSettings]: ...

    def history(self) -> Awaitable[Sequence[SavedAlertSettings]]: ...


class LiveSettingsStore(Hop):
    """An AlertSettingsStore over `perfdesk.services.alerts.store.LiveAlertSettings`;
    `run` hops each call to the loop that owns it (the app passes `host.run`)."""

    def __init__(self, live: Any, run: Run | None = None) -> None:
        super().__init__(run)
        self.live = live

    async def _current(self) -> SavedAlertSettings:
        current: SavedAlertSettings = self.live.current
        return current

    def load(self) -> Awaitable[SavedAlertSettings]:
        return self._hop(self._current())

    def save(
        self, settings: AlertSettings, who: str, comment: str | None
    ) -> Awaitable[SavedAlertSettings]:
        return self._hop(self.live.save(settings, who, comment))

    def history(self) -> Awaitable[Sequence[SavedAlertSettings]]:
        return self._hop(self.live.history())


def change_summary(
    specs: list[schema.GroupSpec], old: AlertSettings | None, new: AlertSettings
) -> str:
    """ "Keep firing for 60 → 120; …"; the first version is compared with the built-in
    defaults it replaced."""
    old = old if old is not None else AlertSettings()
    parts = [
        f"{s.title} {show_value(a)} → {show_value(b)}" for s, a, b in schema.diff(old, new, specs)
    ]
    return "; ".join(parts) or "no change"


class AlertSettingsPanel(LoadsWhenShown):
    """The form, the comment, Save / Discard and the version table (module docstring)."""

    saved = Signal(int)

    def __init__(
        self, store: AlertSettingsStore | None, who: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.who = who
        self.current: SavedAlertSettings | None = None
        self.form = ModelForm(AlertSettings, titles={"": "Alert timing"}, columns=2)
        self.versions = RowTableModel(version_columns(comment=True), key=row_key)
        self._build()
        self.form.changed.connect(lambda _r: self._update_actions())
        self.form.set_value(AlertSettings())
        self._update_actions()

    def _build(self) -> None:
        theme = style.current_theme()
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(theme.px("spacing.semantic.md"))
        about = QLabel(
            "Shared by every perfdesk and collector on this database; a save applies at once, "
            "no restart. Durations are in seconds."
        )
        about.setProperty("kind", "muted")
        about.setWordWrap(True)
        box.addWidget(about)
        # The form scrolls when the window is short (its wrapped help texts are never cut).
        box.addWidget(
            ScrollColumn(self.form, margins=(0, 0, theme.px("spacing.semantic.sm"), 0)), 5
        )
        row = QHBoxLayout()
        self.comment = QLineEdit()
        self.comment.setPlaceholderText("Why (kept with the version, optional)")
        self.state_label = QLabel()
        self.state_label.setProperty("kind", "muted")
        self.state_label.setWordWrap(True)
        self.discard_button = Button("Discard changes", "secondary")
        self.discard_button.clicked.connect(self.discard)
        self.save_button = Button("Save", "primary", tooltip="Save as a new version")
        self.save_button.clicked.connect(self.save)
        row.addWidget(self.comment, 1)
        row.addWidget(self.discard_button)
        row.addWidget(self.save_button)
        box.addLayout(row)
        box.addWidget(self.state_label)
        caption = QLabel("VERSIONS")
        caption.setProperty("kind", "caption")
        box.addWidget(caption)
        self.version_table = DataTable(self.versions)
        self.version_table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.version_table.set_empty_text("Never saved: the built-in defaults are in force.")
        self.version_table.setMinimumHeight(110)
        box.addWidget(self.version_table, 2)  # a few versions; the form needs the room
        self.revert_button = Button(
            "Load selected version",
            "secondary",
            tooltip="Load an older version as a draft; Save makes it current",
        )
        self.revert_button.clicked.connect(self.revert_to_selected)
        box.addWidget(self.revert_button, 0, Qt.AlignmentFlag.AlignRight)

    # --- loading -------------------------------------------------------------------------

    def set_store(self, store: AlertSettingsStore | None) -> None:
        """Attach the store (the backend starts after the window is built)."""
        self.store = store
        self.source_changed()

    def load(self) -> None:
        """Fetch the version in force and the history (newest request wins)."""
        if self.store is None:
            self._update_actions()
            return
        self.loading_started()
        self.state_label.setText("Loading…")
        ops.run(self._fetch(self.store), owner=self, on_success=self._show_loaded,
                group=f"alert-settings:{id(self)}")  # fmt: skip

    @staticmethod
    async def _fetch(
        store: AlertSettingsStore,
    ) -> tuple[SavedAlertSettings, Sequence[SavedAlertSettings]]:
        return await store.load(), await store.history()

    def _show_loaded(self, loaded: tuple[SavedAlertSettings, Sequence[SavedAlertSettings]]) -> None:
        current, history = loaded
        self.current = current
        self.form.set_value(current.settings)
        self.versions.remove(self.versions.row_keys())
        rows, previous = [], None
        for saved in sorted(history, key=lambda s: s.version):
            rows.append(
                VersionRow(saved, change_summary(self.form.specs, previous, saved.settings))
            )
            previous = saved.settings
        self.versions.upsert(rows)
        self._update_actions()

    # --- editing -------------------------------------------------------------------------

    def _in_force(self) -> AlertSettings:
        return self.current.settings if self.current is not None else AlertSettings()

    def _update_actions(self) -> None:
        result = self.form.result
        changed = result.valid and result.value != self._in_force()
        connected = self.store is not None
        self.save_button.setEnabled(connected and changed)
        self.discard_button.setEnabled(not result.valid or changed)
        self.revert_button.setEnabled(connected)
        if not connected:
            self.state_label.setText("Available once the database is connected.")
        elif not result.valid:
            self.state_label.setText(result.problems_text())
        elif changed:
            self.state_label.setText("Unsaved changes")
        elif self.current is not None:
            version = self.current.version
            self.state_label.setText(
                "In force: the built-in defaults"
                if version == 0
                else f"In force: version {version} ({self.current.who or '?'}, "
                f"{fmt.local_time(self.current.at)})"
            )

    def discard(self) -> None:
        self.form.set_value(self._in_force())

    def revert_to_selected(self) -> None:
        key = self.version_table.selected_key()
        index = self.versions.row_of(key) if key is not None else None
        if index is not None:
            self.form.set_value(self.versions.row_at(index).saved.settings)

    def save(self) -> None:
        value = self.form.value()
        store = self.store
        if (
            not isinstance(value, AlertSettings)
            or store is None
            or not self.save_button.isEnabled()
        ):
            return
        self.save_button.setEnabled(False)
        self.state_label.setText("Saving…")
        comment = self.comment.text().strip() or None
        ops.run(self._save(store, value, comment), owner=self, on_success=self._saved,
                on_failure=self._save_failed)  # fmt: skip

    async def _save(
        self, store: AlertSettingsStore, value: AlertSettings, comment: str | None
    ) -> tuple[SavedAlertSettings, Sequence[SavedAlertSettings]]:
        saved = await store.save(value, self.who, comment)
        return saved, await store.history()

    def _saved(self, loaded: tuple[SavedAlertSettings, Sequence[SavedAlertSettings]]) -> None:
        self.comment.clear()
        self._show_loaded(loaded)
        self.saved.emit(loaded[0].version)

    def _save_failed(self, exc: BaseException) -> None:
        errors = getattr(exc, "errors", None)
        if isinstance(errors, dict):  # AlertSettingsError: one message per field
            for key, message in errors.items():
                field = self.form.fields.get(key)
                if field is not None:
                    field.set_error(str(message))
        ops.report_failure("Saving the alert settings failed", exc)
        self.state_label.setText(f"Not saved: {exc}")
        self.save_button.setEnabled(True)


class AlertSettingsDialog(QDialog):
    """The Alerts page's "Timing settings…" window around an AlertSettingsPanel."""

    def __init__(
        self, store: AlertSettingsStore | None, who: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Alert timing settings")
        self.setObjectName("Page")
        theme = style.current_theme()
        box = QVBoxLayout(self)
        margin = theme.px("spacing.semantic.xl")
        box.setContentsMargins(margin, margin, margin, margin)
        self.panel = AlertSettingsPanel(store, who)
        box.addWidget(self.panel)
        close = Button("Close", "secondary")
        close.clicked.connect(self.accept)
        box.addWidget(close, 0, Qt.AlignmentFlag.AlignRight)
        self.resize(860, 800)
