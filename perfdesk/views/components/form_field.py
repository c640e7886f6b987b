"""Form field: a label, an input, help text, and the validation message at the field.

Signals: edited(str text) on each keystroke; validity_changed(bool valid).
`validator(text) -> str | None` (an error message or None) runs on every keystroke, so
feedback appears while typing; `set_error` lets a form add cross-field messages.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QVBoxLayout, QWidget

from perfdesk.views import style

Validator = Callable[[str], str | None]


class FormField(QWidget):
    """One labelled text input with inline help and error text."""

    edited = Signal(str)
    validity_changed = Signal(bool)

    def __init__(
        self,
        label: str,
        *,
        help_text: str = "",
        placeholder: str = "",
        validator: Validator | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._validator = validator
        self._error: str | None = None
        self.label = QLabel(label)
        self.label.setProperty("kind", "field-label")
        self.input = QLineEdit()
        self.input.setPlaceholderText(placeholder)
        self.input.setAccessibleName(label)
        self.label.setBuddy(self.input)
        self.help = QLabel(help_text)
        self.help.setProperty("kind", "field-help")
        self.help.setWordWrap(True)
        self.help.setVisible(bool(help_text))
        self.error_label = QLabel()
        self.error_label.setProperty("kind", "field-error")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        self._layout()
        self.input.textChanged.connect(self._on_text)

    def _layout(self) -> None:
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(style.current_theme().px("spacing.semantic.xs"))
        for widget in (self.label, self.input, self.error_label, self.help):
            box.addWidget(widget)

    @property
    def text(self) -> str:
        return self.input.text()

    def set_text(self, text: str) -> None:
        self.input.setText(text)

    @property
    def error(self) -> str | None:
        return self._error

    @property
    def is_valid(self) -> bool:
        return self._error is None

    def validate(self) -> bool:
        """Run the validator on the current text now; returns validity."""
        self.set_error(self._validator(self.text) if self._validator else None)
        return self.is_valid

    def set_error(self, message: str | None) -> None:
        """Show `message` at the field (None clears it) and mark the input invalid."""
        was_valid = self.is_valid
        self._error = message or None
        self.error_label.setText(message or "")
        self.error_label.setVisible(bool(message))
        self.help.setVisible(not message and bool(self.help.text()))
        style.set_style_property(self.input, "invalid", "true" if message else "false")
        if was_valid != self.is_valid:
            self.validity_changed.emit(self.is_valid)

    def _on_text(self, text: str) -> None:
        self.validate()
        self.edited.emit(text)
