"""Status bar: the database / disk-spool state the backend publishes (LiveView.storage)."""

from __future__ import annotations

from PySide6.QtGui import QPalette
from views_factories import FakeSource, make_snapshot

from perfdesk.domain.snapshot import StorageState
from perfdesk.views.shell.main_window import MainWindow
from perfdesk.views.support import style


class StorageSource(FakeSource):
    """A source that also reports storage, like the app's RuntimeSource."""

    def __init__(self) -> None:
        super().__init__()
        self.state = StorageState()

    def storage(self) -> StorageState:
        return self.state


def _text_colour(label) -> str:  # type: ignore[no-untyped-def]
    return label.palette().color(QPalette.ColorRole.WindowText).name()


def test_outage_spool_and_recovery_are_shown_in_the_status_bar(qtbot) -> None:
    source = StorageSource()
    source.snaps = {"s1": make_snapshot("s1")}
    window = MainWindow(source)
    qtbot.addWidget(window)
    window.show()
    window.timer.stop()
    indicator = window.storage
    theme = style.current_theme()
    window.refresh()
    assert indicator.isVisible()
    assert indicator.text() == "● Database"
    assert indicator.property("level") == "ok"

    source.state = StorageState(db_available=False, spooled=12_345, last_error="connection refused")
    window.refresh()
    assert indicator.text() == "▲ Database unavailable — 12,345 events spooled"
    assert indicator.property("level") == "critical"
    assert "Last error: connection refused" in indicator.toolTip()
    assert _text_colour(indicator) == theme.color("colors.semantic.status.error")[:7]

    source.state = StorageState(db_available=False, spooled=0, pending=1)
    window.refresh()
    assert indicator.text() == "▲ Database unavailable — 1 event waiting in memory"

    source.state = StorageState(db_available=True, spooled=400)
    window.refresh()
    assert indicator.text() == "● Database back — writing 400 events from the spool"
    assert indicator.property("level") == "warning"
    assert _text_colour(indicator) == theme.color("colors.semantic.status.warning")[:7]

    source.state = StorageState()
    window.refresh()
    assert indicator.property("level") == "ok"
    assert window.status_label.text() == "1 strategy · 1 live feed · 0 active alerts"


def test_a_source_without_storage_hides_the_indicator(qtbot, source) -> None:
    window = MainWindow(source)
    qtbot.addWidget(window)
    window.show()
    window.refresh()
    assert not window.storage.isVisible()
