"""Form field: a label, an input (text, choice or check box), help, and the message at the field.

Signals: edited(str text) on each keystroke; validity_changed(bool valid).
`validator(text) -> str | None` (an error message or None) runs on every keystroke, so
feedback appears while typing; `set_error` lets a form add cross-field messages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from perfdesk.views.support import style

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
        choices: Sequence[tuple[str, str]] | None = None,
        boolean: bool = False,
        password: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._validator = validator
        self._error: str | None = None
        self.label = QLabel(label)
        self.label.setProperty("kind", "field-label")
        self.label.setWordWrap(True)  # a long label wraps in a narrow window, never cut
        self.input = _make_input(choices, boolean, password, placeholder)
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
        self._connect_input()

    def _connect_input(self) -> None:
        if isinstance(self.input, QComboBox):
            self.input.currentIndexChanged.connect(lambda _i: self._on_text(self.text))
        elif isinstance(self.input, QCheckBox):
            self.input.toggled.connect(lambda _on: self._on_text(self.text))
        else:
            self.input.textChanged.connect(self._on_text)

    def _layout(self) -> None:
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(style.current_theme().px("spacing.semantic.xs"))
        for widget in (self.label, self.input, self.error_label, self.help):
            box.addWidget(widget)

    @property
    def text(self) -> str:
        """The value as text: a choice's value, "true"/"false" for a check box."""
        widget = self.input
        if isinstance(widget, QComboBox):
            return str(widget.currentData())
        if isinstance(widget, QCheckBox):
            return "true" if widget.isChecked() else "false"
        return widget.text()

    def set_text(self, text: str) -> None:
        widget = self.input
        if isinstance(widget, QComboBox):
            widget.setCurrentIndex(max(0, widget.findData(text)))
        elif isinstance(widget, QCheckBox):
            widget.setChecked(text == "true")
        else:
            widget.setText(text)

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
        self.help.setVisible(bool(self.help.text()))  # the hint stays beside the error
        style.set_style_property(self.input, "invalid", "true" if message else "false")
        if was_valid != self.is_valid:
            self.validity_changed.emit(self.is_valid)

    def _on_text(self, text: str) -> None:
        self.validate()
        self.edited.emit(text)


def _make_input(
    choices: Sequence[tuple[str, str]] | None, boolean: bool, password: bool, placeholder: str
) -> QLineEdit | QComboBox | QCheckBox:
    """A line edit, a combo box of (value, label) choices, or a check box."""
    if choices is not None:
        combo = QComboBox()
        for value, label in choices:
            combo.addItem(label, value)
        return combo
    if boolean:
        return QCheckBox()
    edit = QLineEdit()
    edit.setPlaceholderText(placeholder)
    if password:
        edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit
