"""Data retention on the Settings screen: raw samples N days, 1-minute bars M months,
daily bars forever — the database's shared setting, not the settings file.

    panel = RetentionPanel()
    panel.set_source(RetentionSource(RetentionSettings(store.pool), run=host.run))

The form is generated from `perfdesk.domain.storage_retention.StorageRetention` and
checked as you type (M months must cover N days, as the table's CHECK demands); Save
(its own button: the value goes to the database, for every perfdesk and the collector)
is enabled only for a valid change. Loading, saving and the "what it keeps / deletes"
overview run off the GUI thread (`ops.run`). Signals: saved(StorageRetention).
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Protocol

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from perfdesk.domain.storage_retention import StorageRetention
from perfdesk.services.store.retention_settings import (
    RetentionOverview,
    RetentionSettings,
    RetentionState,
)
from perfdesk.views.components.button import Button
from perfdesk.views.forms.model_form import ModelForm
from perfdesk.views.support import ops
from perfdesk.views.support.hop import Hop, Run
from perfdesk.views.support.shown_loader import LoadsWhenShown

TITLE = "Data retention"
ABOUT = (
    "Kept in the database, shared by every perfdesk and collector on it; whichever writes "
    "the data (the collector, or this perfdesk with its own engine link) deletes whole "
    "days older than this at its next run (hourly). Daily bars are kept forever: long "
    "ranges and the daily metrics never lose history."
)


class RetentionSourceLike(Protocol):
    """Where the setting lives (every call awaited on the GUI loop)."""

    def load(self) -> Awaitable[RetentionState]: ...

    def save(self, setting: StorageRetention) -> Awaitable[RetentionState]: ...

    def overview(self, setting: StorageRetention) -> Awaitable[RetentionOverview]: ...


class RetentionSource(Hop):
    """RetentionSettings behind a loop hop (the app passes `host.run`)."""

    def __init__(self, settings: RetentionSettings, run: Run | None = None) -> None:
        super().__init__(run)
        self.settings = settings

    def load(self) -> Awaitable[RetentionState]:
        return self._hop(self.settings.load())

    def save(self, setting: StorageRetention) -> Awaitable[RetentionState]:
        return self._hop(self.settings.save(setting))

    def overview(self, setting: StorageRetention) -> Awaitable[RetentionOverview]:
        return self._hop(self.settings.overview(setting))


def describe(overview: RetentionOverview, setting: StorageRetention) -> str:
    """One plain paragraph: what is stored, and what this setting deletes / keeps."""
    if overview.daily_bars == 0:
        return "Nothing stored yet."
    since = f"{overview.first_day:%Y-%m-%d}" if overview.first_day else "?"  # a UTC day
    stored = (
        f"Stored since {since}: {overview.raw_samples_stored:,} raw samples, 1-minute bars"
        f" of {overview.minute_days_stored:,} strategy-days, {overview.daily_bars:,} daily bars."
    )
    if setting.raw_days is None and setting.minute_bar_months is None:
        return f"{stored} This setting keeps everything."
    return (
        f"{stored} With this setting the next hourly run deletes"
        f" {overview.raw_samples_to_delete:,} raw samples and the 1-minute bars of"
        f" {overview.minute_days_to_delete:,} strategy-days; the daily bars stay."
    )


class RetentionPanel(LoadsWhenShown):
    """The retention form, its overview and Save (module docstring)."""

    saved = Signal(object)

    def __init__(self, source: RetentionSourceLike | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.source = source
        self.current: RetentionState | None = None
        self.form = ModelForm(StorageRetention, titles={"": TITLE}, columns=2)
        for field in self.form.fields.values():
            if isinstance(field.input, QLineEdit):
                field.input.setPlaceholderText("forever")
            field.help.setText(field.help.text().replace("empty = off", "empty = forever"))
        self._build()
        self.form.changed.connect(lambda _r: self._draft_changed())
        self._update_actions()

    def _build(self) -> None:
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.form)
        group = self.form.findChild(QGroupBox, "group:")
        grid = group.layout() if group is not None else None
        assert isinstance(grid, QGridLayout)  # ModelForm's one group
        about = QLabel(ABOUT)
        about.setProperty("kind", "muted")
        about.setWordWrap(True)
        grid.addWidget(about, 1, 0, 1, 2)  # ModelForm's (empty) description row
        self.overview_label = QLabel()
        self.overview_label.setProperty("kind", "muted")
        self.overview_label.setWordWrap(True)
        self.state_label = QLabel()
        self.state_label.setProperty("kind", "muted")
        self.state_label.setWordWrap(True)
        self.save_button = Button("Save retention", "primary", tooltip="Store in the database")
        self.save_button.clicked.connect(self.save)
        row = QHBoxLayout()
        row.addWidget(self.state_label, 1)
        row.addWidget(self.save_button)
        last = grid.rowCount()
        grid.addWidget(self.overview_label, last, 0, 1, 2)
        grid.addLayout(row, last + 1, 0, 1, 2)

    # --- loading -------------------------------------------------------------------------

    def set_source(self, source: RetentionSourceLike | None) -> None:
        """Attach the database (the backend starts after the window is built)."""
        self.source = source
        self.source_changed()

    def load(self) -> None:
        if self.source is None:
            self._update_actions()
            return
        self.loading_started()
        self.state_label.setText("Loading…")
        ops.run(self.source.load(), owner=self, on_success=self._show_state,
                on_failure=self._failed, group=f"retention:{id(self)}")  # fmt: skip

    def _show_state(self, state: RetentionState) -> None:
        self.current = state
        self.form.set_value(state.setting)
        self._show_overview(state.overview, state.setting)
        self._update_actions()

    def _show_overview(self, overview: RetentionOverview, setting: StorageRetention) -> None:
        self.overview_label.setText(describe(overview, setting))

    def _failed(self, exc: BaseException) -> None:
        self.state_label.setText(f"Not loaded or saved: {exc}")
        self.save_button.setEnabled(bool(self.form.result.valid and self.source is not None))

    # --- editing and saving --------------------------------------------------------------

    def _draft_changed(self) -> None:
        self._update_actions()
        draft = self.form.value()
        if not isinstance(draft, StorageRetention):
            self.overview_label.clear()  # it described another (valid) draft
            return
        if self.source is None:
            return
        ops.run(self.source.overview(draft), owner=self,
                on_success=lambda o: self._show_overview(o, draft),
                on_failure=self._failed, group=f"retention-overview:{id(self)}")  # fmt: skip

    def _update_actions(self) -> None:
        result = self.form.result
        if self.source is None:
            self.save_button.setEnabled(False)
            self.state_label.setText("Available once the database is open.")
            return
        if self.current is None:
            self.save_button.setEnabled(False)
            return
        changed = result.valid and result.value != self.current.setting
        self.save_button.setEnabled(bool(changed))
        if not result.valid:
            self.state_label.setText("Fix the highlighted fields to save")
        else:
            self.state_label.setText("Unsaved changes" if changed else self._in_force())

    def _in_force(self) -> str:
        stored = self.current.stored_minute_bar_days if self.current else None
        months = self.current.setting.minute_bar_days if self.current else None
        if stored is not None and stored != months:
            return f"Saved (1-minute bars stored as {stored} days, shown in whole months)"
        return "Saved"

    def save(self) -> None:
        """Store the valid draft in the database; an invalid one saves nothing."""
        draft = self.form.value()
        if not isinstance(draft, StorageRetention) or not self.save_button.isEnabled():
            return
        assert self.source is not None  # Save is enabled only with a source
        self.save_button.setEnabled(False)
        self.state_label.setText("Saving…")
        ops.run(self.source.save(draft), owner=self, on_success=self._saved,
                on_failure=self._failed, group=f"retention:{id(self)}")  # fmt: skip

    def _saved(self, state: RetentionState) -> None:
        self._show_state(state)
        self.saved.emit(state.setting)
