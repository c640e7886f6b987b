"""Settings › Data retention through the real widget against a real PostgreSQL: typed,
checked at the field, saved to `storage_settings`, read back from the store; invalid
input says what is wrong and saves nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import QSettings, Qt
from views_factories import until

from perfdesk.bench.storage import synthetic_events
from perfdesk.domain.storage_retention import StorageRetention
from perfdesk.services.store import retention
from perfdesk.services.store.retention_settings import RetentionSettings
from perfdesk.services.store.store import Store
from perfdesk.views.settings.retention_panel import RetentionSource
from perfdesk.views.settings.settings_view import SettingsView

RAW, MINUTES = "raw_days", "minute_bar_months"


def _type(qtbot, view: SettingsView, key: str, text: str) -> None:  # type: ignore[no-untyped-def]
    field = view.retention.form.fields[key]
    field.input.selectAll()
    qtbot.keyClick(field.input, Qt.Key.Key_Backspace)
    qtbot.keyClicks(field.input, text)


async def _view(qtbot, tmp_path, store: Store) -> SettingsView:  # type: ignore[no-untyped-def]
    view = SettingsView(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(view)
    view.retention.set_source(RetentionSource(RetentionSettings(store.pool)))
    view.show()
    await until(lambda: view.retention.current is not None)
    return view


async def test_set_through_the_settings_screen_and_read_back(qtbot, tmp_path, store: Store):
    view = await _view(qtbot, tmp_path, store)
    panel = view.retention
    assert panel.form.fields[RAW].text == "" and panel.form.fields[MINUTES].text == ""
    assert not panel.save_button.isEnabled()  # forever, as stored
    _type(qtbot, view, RAW, "30")
    _type(qtbot, view, MINUTES, "6")
    assert panel.save_button.isEnabled() and panel.state_label.text() == "Unsaved changes"
    saved: list[StorageRetention] = []
    panel.saved.connect(saved.append)
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    await until(lambda: saved)
    assert await retention.load_retention(store.pool) == retention.Retention(30, 180)
    assert panel.state_label.text() == "Saved" and not panel.save_button.isEnabled()
    # Back to forever: empty fields.
    _type(qtbot, view, MINUTES, "")
    _type(qtbot, view, RAW, "")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    await until(lambda: len(saved) == 2)
    assert await retention.load_retention(store.pool) == retention.Retention(None, None)


@pytest.mark.parametrize(
    ("raw", "months", "field", "message"),
    [
        ("90", "2", MINUTES, "must be at least 'Raw samples (days)' (90): 3 months or more"),
        ("", "6", MINUTES, "needs 'Raw samples (days)' set too"),
        ("0", "", RAW, "Must be greater than or equal to 1"),
        ("ten", "6", RAW, "'ten' is not a number"),
        ("7.5", "6", RAW, "Must be a whole number"),
    ],
)
async def test_invalid_input_is_explained_and_saves_nothing(
    qtbot, tmp_path, store: Store, raw: str, months: str, field: str, message: str
) -> None:
    await retention.save_retention(store.pool, retention.Retention(10, 60))
    view = await _view(qtbot, tmp_path, store)
    panel = view.retention
    _type(qtbot, view, RAW, raw)
    _type(qtbot, view, MINUTES, months)
    assert message in (panel.form.fields[field].error or "")
    assert not panel.save_button.isEnabled()
    assert panel.state_label.text() == "Fix the highlighted fields to save"
    panel.save()  # even called directly: nothing goes to the database
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    await until(lambda: panel.state_label.text() == "Fix the highlighted fields to save")
    assert await retention.load_retention(store.pool) == retention.Retention(10, 60)


async def test_the_overview_says_what_the_draft_deletes(qtbot, tmp_path, store: Store):
    """10 days of 1-minute samples from 9 days before today: keeping raw samples 3 days
    deletes the whole days before midnight 3 days ago, the 6 oldest."""
    start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start -= timedelta(days=9)
    events = list(synthetic_events("ov", 10 * 1440, start=start, step_s=60.0, fill_every=0))
    for i in range(0, len(events), 5_000):
        await store.write_events(events[i : i + 5_000])
    view = await _view(qtbot, tmp_path, store)
    label = view.retention.overview_label
    assert "14,400 raw samples" in label.text() and "keeps everything" in label.text()
    _type(qtbot, view, RAW, "3")
    await until(lambda: f"deletes {6 * 1440:,} raw samples" in label.text())
    assert "1-minute bars of 0 strategy-days" in label.text()
    state = await RetentionSettings(store.pool).load()
    assert state.overview.raw_samples_to_delete == 0  # nothing saved: the draft only
