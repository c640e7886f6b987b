"""An optional sound with critical alert popups (Settings › Notifications; off by default).

PySide6-Essentials has no QtMultimedia (QSoundEffect is in PySide6-Addons), so the sound
is the desktop's bell, `QApplication.beep()`. Wraps the tray's notifier: the popup is
shown as before, and a critical one rings the bell first — at most once every
`min_gap_s`, so a burst of alerts is one sound.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from PySide6.QtWidgets import QApplication

from perfdesk.domain.status import Status


class ShownPopup(Protocol):
    @property
    def severity(self) -> Status: ...


class PopupNotifier(Protocol):
    @property
    def shown(self) -> Sequence[Any]: ...

    def show(self, popup: Any) -> None: ...


class SoundingNotifier:
    """A notifier that rings the bell for a critical popup, then lets `inner` show it."""

    def __init__(
        self,
        inner: PopupNotifier,
        enabled: Callable[[], bool],
        *,
        beep: Callable[[], None] | None = None,
        min_gap_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.inner = inner
        self._enabled, self._clock = enabled, clock
        self._beep = beep or _bell
        self._min_gap_s = min_gap_s
        self._last: float | None = None
        self.rang = 0
        self.shown = inner.shown
        """The inner notifier's list (it appends to it in place)."""

    def show(self, popup: ShownPopup) -> None:
        if popup.severity is Status.CRITICAL and self._enabled() and self._quiet_long_enough():
            self._last = self._clock()
            self.rang += 1
            self._beep()
        self.inner.show(popup)

    def _quiet_long_enough(self) -> bool:
        return self._last is None or self._clock() - self._last >= self._min_gap_s


def _bell() -> None:
    QApplication.beep()
