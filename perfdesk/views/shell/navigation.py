"""Page navigation: the sidebar's buttons and the View menu's actions, in one order.

Pages arrive at different times (Alerts with the alert controller, History and Reports
once the backend is up), so each entry is inserted at its place in PAGE_ORDER, which
follows a trader's day: watch, verify, react, analyse, report, then configure. A page
that comes later can be *reserved*: its entry is there from the start, disabled and
saying why, so the entries below it never move under the pointer when it arrives (a
click aimed at Thresholds during start-up opened Reports, which had just been inserted
above it).

Signals: page_requested(str key).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QButtonGroup, QMenu, QPushButton, QVBoxLayout

PAGE_ORDER = (
    "dashboard",
    "verification",
    "alerts",
    "history",
    "reports",
    "thresholds",
    "setup",
    "settings",
)
SHORTCUTS = {
    "dashboard": "Ctrl+1",
    "verification": "Ctrl+2",
    "alerts": "Ctrl+3",
    "history": "Ctrl+4",
    "reports": "Ctrl+5",
    "thresholds": "Ctrl+6",
    "setup": "Ctrl+7",
    "settings": "Ctrl+,",
}


def _tooltip(title: str, keys: str | None) -> str:
    """ "Reports (Ctrl+5)"; no tooltip without a shortcut."""
    return f"{title} ({keys})" if keys else ""


def rank(key: str) -> int:
    """A page's place; pages not in PAGE_ORDER go after the known ones, in arrival order."""
    return PAGE_ORDER.index(key) if key in PAGE_ORDER else len(PAGE_ORDER)


class Navigation(QObject):
    """Owns the page buttons (in `sidebar`, between its first item and its last stretch)
    and the page actions (in `menu`, before `end`)."""

    page_requested = Signal(str)

    def __init__(self, sidebar: QVBoxLayout, menu: QMenu, end: QAction, parent: QObject) -> None:
        super().__init__(parent)
        self._sidebar, self._menu, self._end = sidebar, menu, end
        self._group = QButtonGroup(self)
        self.keys: list[str] = []
        self.buttons: dict[str, QPushButton] = {}
        self.actions: dict[str, QAction] = {}

    def reserve(self, key: str, title: str, why: str) -> None:
        """A disabled entry for page `key`, which `add` enables when the page arrives."""
        self.add(key, title)
        self.buttons[key].setEnabled(False)
        self.buttons[key].setToolTip(f"{title}: {why}")
        self.actions[key].setEnabled(False)

    def add(self, key: str, title: str, shortcut: str | None = None) -> None:
        """An entry for page `key` at its place (the reserved one, if any, enabled now);
        `shortcut` only for pages not declared."""
        keys = SHORTCUTS.get(key, shortcut)
        if key in self.buttons:  # reserved
            self.buttons[key].setEnabled(True)
            self.buttons[key].setToolTip(_tooltip(title, keys))
            self.actions[key].setEnabled(True)
            return
        place = sum(1 for k in self.keys if rank(k) <= rank(key))
        self.keys.insert(place, key)
        self._add_button(key, title, keys, place)
        self._add_action(key, title, keys, place)

    def _add_button(self, key: str, title: str, keys: str | None, place: int) -> None:
        button = QPushButton(title)
        button.setProperty("kind", "nav")
        button.setCheckable(True)
        button.setCursor(Qt.CursorShape.PointingHandCursor)
        button.setToolTip(_tooltip(title, keys))
        button.clicked.connect(lambda: self.page_requested.emit(key))
        self._group.addButton(button)
        self._sidebar.insertWidget(1 + place, button)  # after the brand
        self.buttons[key] = button

    def _add_action(self, key: str, title: str, keys: str | None, place: int) -> None:
        action = QAction(title, self._menu)
        if keys:
            action.setShortcut(QKeySequence(keys))
        action.triggered.connect(lambda: self.page_requested.emit(key))
        after = self.keys[place + 1] if place + 1 < len(self.keys) else None
        self._menu.insertAction(self.actions[after] if after else self._end, action)
        self.actions[key] = action

    def set_current(self, key: str) -> None:
        self.buttons[key].setChecked(True)
