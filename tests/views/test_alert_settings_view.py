"""Alert timing settings form on a real PostgreSQL: validated as typed, saved as a version
with who/comment, applied at once to the running AlertManager, and reachable from the
Alerts page."""

from __future__ import annotations

from PySide6.QtCore import Qt
from views_factories import until

from perfdesk.domain.alerts import AlertSettings
from perfdesk.services.alerts.manager import AlertManager
from perfdesk.services.alerts.store import LiveAlertSettings
from perfdesk.services.store.store import Store
from perfdesk.views.alerts.alert_log_view import AlertLogView
from perfdesk.views.alerts.alert_settings_view import AlertSettingsPanel, LiveSettingsStore


def _type(qtbot, panel: AlertSettingsPanel, key: str, text: str) -> None:  # type: ignore[no-untyped-def]
    field = panel.form.fields[key]
    field.input.selectAll()
    qtbot.keyClick(field.input, Qt.Key.Key_Backspace)
    qtbot.keyClicks(field.input, text)


async def test_edit_save_applies_live_and_lists_the_version(qtbot, store: Store) -> None:
    manager = AlertManager()
    live = LiveAlertSettings(store.pool, manager)
    await live.start()
    panel = AlertSettingsPanel(LiveSettingsStore(live), who="ann")
    qtbot.addWidget(panel)
    panel.show()
    await until(lambda: panel.current is not None)
    assert panel.state_label.text() == "In force: the built-in defaults"
    assert not panel.save_button.isEnabled()  # nothing changed
    _type(qtbot, panel, "keep_firing_s", "abc")
    assert panel.form.fields["keep_firing_s"].error == "'abc' is not a number"
    assert not panel.save_button.isEnabled()
    _type(qtbot, panel, "keep_firing_s", "90000")
    assert "86400" in (panel.form.fields["keep_firing_s"].error or "")
    _type(qtbot, panel, "keep_firing_s", "120")
    _type(qtbot, panel, "recovery_margin", "0.1")
    assert panel.save_button.isEnabled() and panel.state_label.text() == "Unsaved changes"
    qtbot.keyClicks(panel.comment, "fewer flaps on the open")
    saved: list[int] = []
    panel.saved.connect(saved.append)
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    await until(lambda: saved == [1])
    assert manager.settings.keep_firing_s == 120.0  # in force at once, no restart
    assert manager.settings.recovery_margin == 0.1
    row = panel.versions.row_at(panel.versions.row_of("1"))
    assert (row.saved.who, row.saved.comment) == ("ann", "fewer flaps on the open")
    assert row.summary == "Keep firing for 60 → 120; Recovery margin 0 → 0.1"
    assert panel.state_label.text().startswith("In force: version 1 (ann")
    assert not panel.save_button.isEnabled()
    # Load the defaults back as a draft and save them again (a new version).
    panel.form.set_value(AlertSettings())
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    await until(lambda: saved == [1, 2])
    assert manager.settings == AlertSettings()


async def test_alerts_page_opens_the_timing_settings(qtbot, store: Store) -> None:
    live = LiveAlertSettings(store.pool, AlertManager())
    await live.start()
    page = AlertLogView(list)
    qtbot.addWidget(page)
    page.show()
    dialog = page.open_timing_settings()
    assert dialog.isVisible()
    assert dialog.panel.state_label.text() == "Available once the database is connected."
    assert not dialog.panel.save_button.isEnabled()
    page.timing_store = lambda: LiveSettingsStore(live)
    page.timing_user = lambda: "bob"
    assert page.open_timing_settings() is dialog  # one window, now connected
    await until(lambda: dialog.panel.current is not None)
    assert dialog.panel.who == "bob"
    assert dialog.panel.form.value() == AlertSettings()
    dialog.close()
