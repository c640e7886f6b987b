"""A form generated from a pydantic model: one group box per nested model, one field each.

Signals: changed(DraftResult) after every keystroke, once the whole draft was checked.
Field-level messages (not a number, out of bounds) and cross-field messages ("'Warning
at' must be below 'Critical at'") are shown at the fields they concern; a group's
cross-field message also appears under the group's title.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QVBoxLayout, QWidget

from perfdesk.views.components.form_field import FormField
from perfdesk.views.forms import model_schema as schema
from perfdesk.views.support import style


class ModelForm(QWidget):
    """Fields keyed by dotted path (`drawdown.warning_ratio`)."""

    changed = Signal(object)

    def __init__(
        self,
        model: type[BaseModel],
        titles: Mapping[str, str] | None = None,
        columns: int = 2,
        parent: QWidget | None = None,
        exclude: frozenset[str] = frozenset(),
        *,
        hints: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.hints = dict(hints or {})
        """field key -> help text for fields whose model gives none (e.g. the unit)."""
        self.specs = schema.describe(model, titles, exclude)
        self.fields: dict[str, FormField] = {}
        self.group_errors: dict[str, QLabel] = {}
        self.result = schema.DraftResult(None, {}, {})
        theme = style.current_theme()
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(theme.px("spacing.semantic.lg"))
        for group in self.specs:
            box.addWidget(self._group_box(group, columns))
        box.addStretch(1)

    def _group_box(self, group: schema.GroupSpec, columns: int) -> QGroupBox:
        theme = style.current_theme()
        box = QGroupBox()
        box.setObjectName(f"group:{'.'.join(group.path)}")
        grid = QGridLayout(box)
        grid.setHorizontalSpacing(theme.px("spacing.semantic.xl"))
        grid.setVerticalSpacing(theme.px("spacing.semantic.md"))
        grid.setContentsMargins(*(theme.px("spacing.semantic.lg"),) * 4)
        about = QLabel(group.description)
        about.setProperty("kind", "muted")
        about.setWordWrap(True)
        about.setVisible(bool(group.description))
        error = QLabel()
        error.setProperty("kind", "field-error")
        error.setWordWrap(True)
        error.hide()
        self.group_errors[".".join(group.path)] = error
        # The group's title inside its frame, in the title style (above the field labels).
        title = QLabel(group.title)
        title.setProperty("kind", "title")
        grid.addWidget(title, 0, 0, 1, columns)
        grid.addWidget(about, 1, 0, 1, columns)
        grid.addWidget(error, 2, 0, 1, columns)
        for i, spec in enumerate(group.fields):
            field = self._field(spec)
            grid.addWidget(field, 3 + i // columns, i % columns, Qt.AlignmentFlag.AlignTop)
        for c in range(columns):
            grid.setColumnStretch(c, 1)
        return box

    def _field(self, spec: schema.FieldSpec) -> FormField:
        hint = spec.description or self.hints.get(spec.key, "")
        bounds = spec.bounds_text()
        help_text = (
            f"{hint} ({bounds}{'; empty = off' if spec.optional else ''})" if bounds else hint
        )
        field = FormField(
            spec.title,
            help_text=help_text.strip(),
            placeholder="off" if spec.optional else "",
            choices=spec.choices or None,
            boolean=spec.kind is bool,
        )
        field.setObjectName(f"field:{spec.key}")
        field.input.setToolTip(spec.key)
        field.edited.connect(lambda _text: self.validate())
        self.fields[spec.key] = field
        return field

    def set_value(self, value: BaseModel) -> None:
        """Show `value` in the fields (no validation noise while filling)."""
        current = schema.flatten(value, self.specs)
        index = {s.key: s for g in self.specs for s in g.fields}
        for key, field in self.fields.items():
            field.input.blockSignals(True)
            field.set_text(schema.format_value(index[key], current[key]))
            field.input.blockSignals(False)
        self.validate()

    def texts(self) -> dict[str, str]:
        return {key: field.text for key, field in self.fields.items()}

    def validate(self) -> schema.DraftResult:
        """Check the whole draft; put every message at its field and group."""
        self.result = schema.validate_draft(self.model, self.specs, self.texts())
        for key, field in self.fields.items():
            field.set_error(self.result.field_errors.get(key))
        for key, label in self.group_errors.items():
            message = self.result.group_errors.get(key, "")
            label.setText(message)
            label.setVisible(bool(message))
        self.changed.emit(self.result)
        return self.result

    def value(self) -> Any:
        """The validated model, or None while anything is invalid."""
        return self.result.value
