"""The History page's controls: a multi-strategy picker, range presets, progress/cancel.

Signals: StrategyPicker.changed(list[str] ids in pick order); RangeBar.changed(str preset);
LoadProgress.cancel_requested().
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent, QMouseEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QMenu,
    QProgressBar,
    QPushButton,
    QToolButton,
    QWidget,
)

from perfdesk.services.history.service import PRESETS
from perfdesk.views.components.button import Button
from perfdesk.views.components.elided_label import ElidedLabel

PRESET_LABELS = {"ALL": "All"}


class CheckList(QMenu):
    """A menu whose checkable entries tick and untick without closing it, by mouse or
    Space: several strategies are picked in one go (a plain QMenu closed on every
    click, so comparing six meant opening it five times). Enter, Escape or a click
    outside closes it."""

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        action = self.actionAt(event.position().toPoint())
        if action is not None and action.isCheckable() and action.isEnabled():
            action.trigger()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        action = self.activeAction()
        if event.key() == Qt.Key.Key_Space and action is not None and action.isCheckable():
            action.trigger()
            return
        super().keyPressEvent(event)


class StrategyPicker(QToolButton):
    """A button with a checkable menu of strategies: pick one, or several to compare."""

    changed = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setMinimumWidth(220)
        self.menu_ = CheckList(self)
        self.setMenu(self.menu_)
        self._actions: dict[str, QAction] = {}
        self._names: dict[str, str] = {}
        self._order: list[str] = []
        self._update_text()

    def set_strategies(self, items: list[tuple[str, str]]) -> None:
        """(id, name) pairs; keeps the current pick where the ids still exist."""
        self.menu_.clear()
        self._actions = {}
        self._names = dict(items)
        for sid, name in items:
            action = self.menu_.addAction(name if name == sid else f"{name}  ({sid})")
            action.setCheckable(True)
            action.setChecked(sid in self._order)
            action.toggled.connect(lambda on, s=sid: self._toggle(s, on))
            self._actions[sid] = action
        self._order = [s for s in self._order if s in self._actions]
        self._update_text()

    def strategy_ids(self) -> list[str]:
        return [s for s, _ in self._items()]

    def _items(self) -> list[tuple[str, QAction]]:
        return list(self._actions.items())

    def selected(self) -> list[str]:
        return list(self._order)

    def select(self, ids: list[str]) -> None:
        """Replace the pick (emits changed once)."""
        self._order = [s for s in ids if s in self._actions]
        for sid, action in self._actions.items():
            action.blockSignals(True)
            action.setChecked(sid in self._order)
            action.blockSignals(False)
        self._update_text()
        self.changed.emit(self.selected())

    def _toggle(self, sid: str, on: bool) -> None:
        if on and sid not in self._order:
            self._order.append(sid)
        elif not on and sid in self._order:
            self._order.remove(sid)
        self._update_text()
        self.changed.emit(self.selected())

    def _update_text(self) -> None:
        if not self._order:
            self.setText("Pick strategies…")
        elif len(self._order) == 1:
            self.setText(self._names.get(self._order[0], self._order[0]))
        else:
            first = self._names.get(self._order[0], self._order[0])
            self.setText(f"{first} + {len(self._order) - 1} to compare")
        self.setToolTip(", ".join(self._order) or "Tick one strategy, or several to compare")


class RangeBar(QWidget):
    """Exclusive preset buttons 1M 3M 6M YTD 1Y All."""

    changed = Signal(str)

    def __init__(self, initial: str = "6M", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QPushButton] = {}
        for preset in PRESETS:
            button = Button(PRESET_LABELS.get(preset, preset), variant="ghost")
            button.setCheckable(True)
            button.setChecked(preset == initial)
            button.clicked.connect(lambda _=False, p=preset: self.changed.emit(p))
            self.group.addButton(button)
            row.addWidget(button)
            self.buttons[preset] = button
        self.preset = initial
        self.changed.connect(self._remember)

    def _remember(self, preset: str) -> None:
        self.preset = preset
        self.buttons[preset].setChecked(True)


class LoadProgress(QWidget):
    """A slim progress bar with its message and a Cancel button, shown while loading."""

    cancel_requested = Signal()
    busy_changed = Signal(bool)
    """The bar and Cancel were shown (True) or hidden: the room for the message changed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.bar.setFixedWidth(160)
        self.bar.setFixedHeight(6)
        self.message = ElidedLabel()
        self.message.setProperty("kind", "muted")
        self.cancel = Button("Cancel", variant="secondary")
        self.cancel.clicked.connect(self.cancel_requested)
        row.addWidget(self.message, 1)
        row.addWidget(self.bar)
        row.addWidget(self.cancel)
        self.busy = False
        self.finish("")

    def start(self, message: str) -> None:
        self.busy = True
        self.bar.setValue(0)
        self.bar.show()
        self.cancel.show()
        self.message.setText(message)
        self.busy_changed.emit(True)

    def step(self, fraction: float, message: str) -> None:
        self.bar.setValue(int(1000 * max(0.0, min(1.0, fraction))))
        self.message.setText(message)

    def finish(self, message: str) -> None:
        self.busy = False
        self.bar.hide()
        self.cancel.hide()
        self.message.setText(message)
        self.busy_changed.emit(False)
