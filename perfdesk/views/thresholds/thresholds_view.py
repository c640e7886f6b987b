"""Thresholds screen: per-strategy (or global) rule thresholds, versioned, with audit trail.

The form is generated from perfdesk.domain.thresholds.Thresholds. Save is enabled only
when the draft is valid and differs from the stored version; saving creates a new
version (who/when, old -> new listed in the version table); an older version can be
loaded back as a draft and saved again (revert). Import/export as YAML or JSON.
Signals: saved(object strategy_id_or_None, int version).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from perfdesk.domain.events import describe_validation_error
from perfdesk.domain.threshold_presets import LEVEL_FIELDS, Preset
from perfdesk.domain.thresholds import Thresholds
from perfdesk.views.components.button import Button
from perfdesk.views.components.data_table import DataTable, RowTableModel
from perfdesk.views.components.page_layout import page_column
from perfdesk.views.components.scroll_column import ScrollColumn
from perfdesk.views.forms import model_schema as schema
from perfdesk.views.forms.model_form import ModelForm
from perfdesk.views.support import ops, style
from perfdesk.views.support.repositories import ThresholdRepository, ThresholdVersion
from perfdesk.views.thresholds.preset_picker import PresetPicker
from perfdesk.views.thresholds.threshold_backtest import ThresholdBacktest
from perfdesk.views.thresholds.version_table import VersionRow, row_key, show_value, version_columns
from perfdesk.views.verification.verification_model import RULE_TITLES

GLOBAL = "Global defaults"


def change_summary(specs: list[schema.GroupSpec], old: Thresholds | None, new: Thresholds) -> str:
    """ "Drawdown › Warning at 0.8 → 0.9; ..."; the first version is compared with the
    defaults it replaces ("from the defaults: …")."""
    if old is None:
        changes = change_summary(specs, Thresholds(), new)
        return "the defaults" if changes == "no change" else f"from the defaults: {changes}"
    titles = {".".join(g.path): g.title for g in specs}
    parts = [
        f"{titles.get('.'.join(s.path[:-1]), '')} › {s.title} {show_value(a)} → {show_value(b)}"
        for s, a, b in schema.diff(old, new, specs)
    ]
    parts = [part.lstrip(" ›") for part in parts]
    return "; ".join(parts) or "no change"


class ThresholdsView(QWidget):
    """Edit thresholds of one scope at a time (global defaults or a strategy)."""

    saved = Signal(object, int)

    def __init__(
        self, repository: ThresholdRepository, who: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("Page")
        self.repository = repository
        self.who = who
        self.scope: str | None = None
        self._loaded_once = False
        self.stored: Thresholds | None = None
        self.form = ModelForm(Thresholds, titles=RULE_TITLES)
        self.versions = RowTableModel(version_columns(comment=True), key=row_key)
        self._build()
        self.form.changed.connect(lambda _r: self._update_actions())
        self.form.changed.connect(lambda _r: self.presets.show_for(self._draft_levels()))
        self.presets.picked.connect(self.apply_preset)

    def _build(self) -> None:
        theme = style.current_theme()
        box = page_column(self)
        box.addLayout(self._header())
        self.presets = PresetPicker()
        box.addWidget(self.presets)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("thresholds-splitter")
        self.splitter.addWidget(
            ScrollColumn(self.form, margins=(0, 0, theme.px("spacing.semantic.md"), 0))
        )
        self.splitter.addWidget(self._history_panel())
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([560, 460])  # at 1024 px the test's controls still fit
        box.addWidget(self.splitter, 1)
        box.addLayout(self._action_bar())

    def _header(self) -> QHBoxLayout:
        row = QHBoxLayout()
        title = QLabel("Thresholds")
        title.setProperty("kind", "heading")
        self.scope_combo = QComboBox()
        self.scope_combo.setMinimumWidth(220)
        self.scope_combo.addItem(GLOBAL, None)
        self.scope_combo.currentIndexChanged.connect(
            lambda _i: self.load(self.scope_combo.currentData())
        )
        row.addWidget(title)
        row.addStretch(1)
        row.addWidget(QLabel("Applies to"))
        row.addWidget(self.scope_combo)
        return row

    def _history_panel(self) -> QWidget:
        """Right side: the version table above, "test against history" below (a splitter)."""
        self.side_splitter = QSplitter(Qt.Orientation.Vertical)
        self.side_splitter.setObjectName("thresholds-side-splitter")
        self.side_splitter.setChildrenCollapsible(False)
        self.side_splitter.addWidget(self._versions_panel())
        # The draft is the form's value (None while invalid); "saved" is the stored version.
        self.backtest = ThresholdBacktest(None, draft=self.form.value, saved=lambda: self.stored)
        pad = style.current_theme().px("spacing.semantic.md")
        # Scrolls when the window is short, instead of raising the window's minimum height.
        self.side_splitter.addWidget(ScrollColumn(self.backtest, margins=(pad, pad, 0, 0)))
        self.side_splitter.setStretchFactor(0, 2)
        self.side_splitter.setStretchFactor(1, 3)
        self.side_splitter.setSizes([230, 560])  # a few versions; the test needs the room
        return self.side_splitter

    def _versions_panel(self) -> QWidget:
        panel = QWidget()
        box = QVBoxLayout(panel)
        box.setContentsMargins(style.current_theme().px("spacing.semantic.md"), 0, 0, 0)
        caption = QLabel("VERSIONS (AUDIT TRAIL)")
        caption.setProperty("kind", "caption")
        self.version_table = DataTable(self.versions)
        self.version_table.set_empty_text(
            "No saved version for this scope yet: the form shows the defaults; Save creates "
            "version 1."
        )
        self.version_table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.revert_button = Button(
            "Load selected version",
            "secondary",
            tooltip="Load an older version as a draft; Save makes it current",
        )
        self.revert_button.clicked.connect(self.revert_to_selected)
        box.addWidget(caption)
        box.addWidget(self.version_table, 1)
        box.addWidget(self.revert_button, 0, Qt.AlignmentFlag.AlignRight)
        return panel

    def _action_bar(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.state_label = QLabel()
        self.state_label.setProperty("kind", "muted")
        self.import_button = Button(
            "Import…", "ghost", tooltip="Load thresholds from a YAML or JSON file"
        )
        self.export_button = Button(
            "Export…", "ghost", tooltip="Write these thresholds to a YAML or JSON file"
        )
        self.discard_button = Button("Discard changes", "secondary")
        self.reason_edit = QLineEdit()
        self.reason_edit.setPlaceholderText("Reason for the change")
        self.reason_edit.setToolTip(
            "Why the limits change: saved with the version and shown in the audit trail"
        )
        self.reason_edit.setMinimumWidth(40)  # grows with the window (stretch)
        self.reason_edit.returnPressed.connect(self.save)
        self.save_button = Button(
            "Save", "primary", tooltip="Save as a new version", shortcut="Ctrl+S"
        )
        self.import_button.clicked.connect(self._ask_import)
        self.export_button.clicked.connect(self._ask_export)
        self.discard_button.clicked.connect(
            lambda: self.form.set_value(self.stored or Thresholds())
        )
        self.save_button.clicked.connect(self.save)
        row.addWidget(self.state_label, 1)
        for button in (self.import_button, self.export_button, self.discard_button):
            row.addWidget(button)
        row.addWidget(self.reason_edit, 1)
        row.addWidget(self.save_button)
        return row

    def showEvent(self, event: QShowEvent) -> None:
        """Load the global defaults the first time the page is shown."""
        super().showEvent(event)
        if not self._loaded_once:
            self._loaded_once = True
            self.load(self.scope_combo.currentData())

    def set_strategies(self, names: dict[str, str]) -> None:
        """strategy_id -> display name; adds new scopes, keeps the current selection."""
        known = {self.scope_combo.itemData(i) for i in range(self.scope_combo.count())}
        for sid, name in sorted(names.items(), key=lambda kv: kv[1].lower()):
            if sid not in known:
                self.scope_combo.addItem(f"{name}  ({sid})", sid)

    def load(self, scope: str | None) -> None:
        """Fetch the stored version and history of `scope` (newest request wins)."""
        self.scope = scope
        self._loaded_once = True
        self.backtest.set_strategy(scope)  # global defaults: keep the panel's own pick
        self.state_label.setText("Loading…")
        for widget in (self.save_button, self.discard_button, self.export_button, self.presets):
            widget.setEnabled(False)  # nothing to save or fill before the stored version
        ops.run(
            self._fetch(scope),
            owner=self,
            on_success=self._show_loaded,
            on_failure=self._load_failed,
            group=f"thresholds:{id(self)}",
        )

    def _load_failed(self, exc: BaseException) -> None:
        ops.report_failure("Loading thresholds failed", exc)
        self.state_label.setText(f"Could not load the saved thresholds: {exc}")

    async def _fetch(
        self, scope: str | None
    ) -> tuple[str | None, ThresholdVersion | None, Sequence[ThresholdVersion]]:
        current = await self.repository.load(scope)
        return scope, current, await self.repository.history(scope)

    def _show_loaded(
        self, loaded: tuple[str | None, ThresholdVersion | None, Sequence[ThresholdVersion]]
    ) -> None:
        scope, current, history = loaded
        if scope != self.scope:
            return
        self.stored = current.thresholds if current else None
        self.presets.setEnabled(True)
        self.form.set_value(self.stored or Thresholds())
        self._show_history(history)

    def _show_history(self, history: Sequence[ThresholdVersion]) -> None:
        self.versions.remove(self.versions.row_keys())
        ordered = sorted(history, key=lambda v: v.version)
        rows, previous = [], None
        for version in ordered:
            rows.append(
                VersionRow(version, change_summary(self.form.specs, previous, version.thresholds))
            )
            previous = version.thresholds
        self.versions.upsert(rows)

    def _update_actions(self) -> None:
        result = self.form.result
        changed = result.valid and result.value != (self.stored or Thresholds())
        self.save_button.setEnabled(result.valid and (changed or self.stored is None))
        self.export_button.setEnabled(result.valid)
        self.discard_button.setEnabled(not result.valid or changed)
        if not result.valid:
            self.state_label.setText(result.problems_text())
        elif changed:
            self.state_label.setText("Unsaved changes")
        else:
            self.state_label.setText(
                "Saved" if self.stored is not None else "Defaults (never saved for this scope)"
            )

    def save(self) -> None:
        """Save the valid draft as a new version (button and Ctrl+S)."""
        value = self.form.value()
        if value is None or not self.save_button.isEnabled():
            return
        self.save_button.setEnabled(False)
        self.state_label.setText("Saving…")
        scope = self.scope
        reason = self.reason_edit.text().strip() or None
        ops.run(
            self._save(scope, value, reason),
            owner=self,
            on_success=self._saved_ok,
            on_failure=self._save_failed,
        )

    async def _save(
        self, scope: str | None, value: Thresholds, reason: str | None = None
    ) -> tuple[str | None, ThresholdVersion | None, Sequence[ThresholdVersion]]:
        saved = await self.repository.save(scope, value, self.who, comment=reason)
        self.saved.emit(scope, saved.version)
        return scope, saved, await self.repository.history(scope)

    def _saved_ok(
        self, loaded: tuple[str | None, ThresholdVersion | None, Sequence[ThresholdVersion]]
    ) -> None:
        self.reason_edit.clear()  # the reason went with that version
        self._show_loaded(loaded)

    def _save_failed(self, exc: BaseException) -> None:
        ops.report_failure("Saving thresholds failed", exc)
        self.state_label.setText(f"Not saved: {exc}")
        self._update_actions()

    def _draft_levels(self) -> dict[str, float | None]:
        """The four preset levels as the draft's fields read (None: not a number)."""
        specs = {f.key: f for group in self.form.specs for f in group.fields}
        out: dict[str, float | None] = {}
        for key in LEVEL_FIELDS:
            try:  # read as the form reads it (a typed minus sign, thousands commas)
                out[key] = schema.parse_text(specs[key], self.form.fields[key].text)
            except ValueError:
                out[key] = None
        return out

    def apply_preset(self, preset: Preset) -> None:
        """Put `preset`'s warning levels into the draft (the rest of the draft stays; an
        invalid draft starts from the stored version). Save applies it."""
        base = self.form.value() or self.stored or Thresholds()
        try:
            value = preset.applied_to(base)
        except ValueError as exc:  # a critical level the desk raised above the preset's
            self.presets.show_for(self._draft_levels())  # the draft did not change
            self.state_label.setText(str(exc))
            return
        self.form.set_value(value)

    def revert_to_selected(self) -> None:
        """Load the selected (older) version's values as a draft."""
        key = self.version_table.selected_key()
        index = self.versions.row_of(key) if key is not None else None
        if index is not None:
            self.form.set_value(self.versions.row_at(index).saved.thresholds)

    def export_to(self, path: Path) -> None:
        """Write the current valid draft as YAML (.yaml/.yml) or JSON (anything else)."""
        value = self.form.value()
        if value is None:
            raise ValueError("fix the highlighted fields before exporting")
        data = value.model_dump(mode="json")
        text = (
            yaml.safe_dump(data, sort_keys=False)
            if path.suffix in (".yaml", ".yml")
            else json.dumps(data, indent=2)
        )
        path.write_text(text, encoding="utf-8")

    def import_from(self, path: Path) -> None:
        """Load a YAML/JSON file as a draft; a bad file raises ValueError naming the field."""
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            value = Thresholds.model_validate(data)
        except ValidationError as exc:
            raise ValueError(f"{path.name}: {describe_validation_error(exc)}") from None
        except (OSError, yaml.YAMLError) as exc:
            raise ValueError(f"{path.name}: {exc}") from None
        self.form.set_value(value)

    def _ask_import(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Import thresholds", "", "Thresholds (*.yaml *.yml *.json)"
        )
        if name:
            self._guarded(lambda: self.import_from(Path(name)))

    def _ask_export(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Export thresholds", "thresholds.yaml", "YAML (*.yaml);;JSON (*.json)"
        )
        if name:
            self._guarded(lambda: self.export_to(Path(name)))

    def _guarded(self, action: Any) -> None:
        try:
            action()
        except ValueError as exc:
            self.state_label.setText(str(exc))
            ops.report_failure("Thresholds file", exc)
