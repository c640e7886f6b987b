"""Where stored events stand, for the status bar: the database reachable or not, and how
many events wait in the disk spool (or in memory) to be written.

    indicator = StorageIndicator()
    indicator.set_state(StorageState(db_available=False, spooled=1234))
    # -> "▲ Database unavailable — 1,234 events spooled" (error colour)

Styled by QSS through the `level` property ("ok" | "warning" | "critical"); the text is
set only when it changes (the window calls this at its refresh rate).
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from perfdesk.domain.snapshot import StorageState
from perfdesk.views.components.data_card import set_text
from perfdesk.views.support import fmt, style


def _events(n: int) -> str:
    return f"{fmt.count(n)} event{'' if n == 1 else 's'}"


def describe(state: StorageState) -> tuple[str, str, str]:
    """(level, text, tooltip) for a storage state."""
    if not state.db_available:
        if state.spooled:
            text = f"▲ Database unavailable — {_events(state.spooled)} spooled"
        elif state.pending:
            text = f"▲ Database unavailable — {_events(state.pending)} waiting in memory"
        else:
            text = "▲ Database unavailable"
        tip = (
            "Live figures, alerts and charts keep working. Incoming events are kept in the "
            "disk spool (or in memory) and written, in order, when the database is back."
        )
        if state.last_error:
            tip += f"\nLast error: {state.last_error}"
        return "critical", text, tip
    if state.spooled:
        return (
            "warning",
            f"● Database back — writing {_events(state.spooled)} from the spool",
            "The database is reachable again; events kept on disk during the outage are "
            "being written in order.",
        )
    tip = "Database reachable; every received event is being stored."
    if state.pending:
        tip += f"\n{_events(state.pending)} queued for the next write."
    return "ok", "● Database", tip


class StorageIndicator(QLabel):
    """A status-bar label for a StorageState (see the module docstring)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("kind", "storage")
        self.level = ""
        self.set_state(StorageState())

    def set_state(self, state: StorageState) -> None:
        level, text, tip = describe(state)
        set_text(self, text)
        if self.toolTip() != tip:
            self.setToolTip(tip)
        if level != self.level:
            self.level = level
            style.set_style_property(self, "level", level)
