"""A panel that reads its data from the backend when it is first shown.

Settings pages are built with the window, before the backend has started, and most are
never opened: each reads its data the first time it is shown, and again when it is
given a new source (the backend came up, or was replaced) while visible.
"""

from __future__ import annotations

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QWidget


class LoadsWhenShown(QWidget):
    """Subclasses implement `load()` (start the read; call `loading_started()` once a
    read is on its way) and `_update_actions()` (enable what the state allows)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loaded_once = False

    def load(self) -> None:
        raise NotImplementedError

    def _update_actions(self) -> None:
        raise NotImplementedError

    def loading_started(self) -> None:
        """A read is on its way: showing the panel again does not start another."""
        self._loaded_once = True

    def source_changed(self) -> None:
        """The data's source changed: read now if visible, else on the next show."""
        self._loaded_once = False
        if self.isVisible():
            self.load()
        else:
            self._update_actions()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._loaded_once:
            self.load()
