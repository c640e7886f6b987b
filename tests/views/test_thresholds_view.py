"""Thresholds screen, driven as a user: type, see the message at the field, save, revert.

Async tests run on the qasync loop; they await `until(...)` rather than qtbot.waitSignal
(a nested Qt event loop inside a running qasync step does not run the loop's tasks).
"""

from __future__ import annotations

import pytest
from history_seed import seed
from PySide6.QtCore import Qt
from views_factories import until

from perfdesk.domain.thresholds import Thresholds
from perfdesk.services.history.service import HistoryService
from perfdesk.services.store.store import Store
from perfdesk.testing.memory_repositories import MemoryThresholdRepository
from perfdesk.views.history.history_source import ServiceHistorySource
from perfdesk.views.thresholds.thresholds_view import ThresholdsView


async def _open(qtbot, repo: MemoryThresholdRepository) -> ThresholdsView:
    view = ThresholdsView(repo, who="ann")
    qtbot.addWidget(view)
    view.show()
    view.load(None)
    await until(lambda: view.state_label.text() not in ("", "Loading…"))
    return view


def _type(qtbot, view: ThresholdsView, key: str, text: str) -> None:
    field = view.form.fields[key]
    field.input.selectAll()
    qtbot.keyClick(field.input, Qt.Key.Key_Backspace)
    qtbot.keyClicks(field.input, text)


async def test_invalid_value_shows_message_at_field_and_disables_save(qtbot) -> None:
    repo = MemoryThresholdRepository()
    view = await _open(qtbot, repo)
    field = view.form.fields["drawdown.warning_ratio"]
    hint = field.help.text()
    _type(qtbot, view, "drawdown.warning_ratio", "abc")
    assert field.error == "'abc' is not a number"
    assert field.error_label.isVisible()
    assert field.help.isVisible() and field.help.text() == hint  # both: error and range
    assert not view.save_button.isEnabled()
    _type(qtbot, view, "drawdown.warning_ratio", "-2")
    assert field.error == "Must be greater than 0"
    assert not view.save_button.isEnabled()


async def test_cross_field_rule_marks_both_fields(qtbot) -> None:
    view = await _open(qtbot, MemoryThresholdRepository())
    _type(qtbot, view, "drawdown.warning_ratio", "1.5")
    message = "'Warning at' must be below 'Critical at'"
    assert view.form.fields["drawdown.warning_ratio"].error == message
    assert view.form.fields["drawdown.critical_ratio"].error == message
    assert view.form.group_errors["drawdown"].text() == message
    assert not view.save_button.isEnabled()
    assert view.state_label.text() == "1 problem to fix before saving"  # one, shown thrice
    _type(qtbot, view, "sharpe.warning_p", "2")  # above 1: a second, separate problem
    assert view.state_label.text() == "2 problems to fix before saving"
    _type(qtbot, view, "sharpe.warning_p", "0.02")
    _type(qtbot, view, "drawdown.critical_ratio", "2")
    assert view.form.fields["drawdown.warning_ratio"].error is None
    assert view.save_button.isEnabled()


async def test_fix_then_save_creates_new_version_with_audit(qtbot) -> None:
    repo = MemoryThresholdRepository()
    view = await _open(qtbot, repo)
    _type(qtbot, view, "drawdown.warning_ratio", "x")
    assert not view.save_button.isEnabled()
    _type(qtbot, view, "drawdown.warning_ratio", "0.9")
    assert view.save_button.isEnabled()
    saved: list[tuple[object, int]] = []
    view.saved.connect(lambda scope, version: saved.append((scope, version)))
    qtbot.keyClicks(view.reason_edit, "desk review: fewer false alarms")
    qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)
    await until(lambda: view.versions.rowCount() == 1)
    assert saved == [(None, 1)]
    first = view.versions.row_at(0)
    # The first save says what changed from the defaults, with the reason given.
    assert first.summary == "from the defaults: Drawdown › Warning at 0.8 → 0.9"
    assert first.saved.comment == "desk review: fewer false alarms"
    assert view.reason_edit.text() == ""  # the reason went with that version
    stored = await repo.load(None)
    assert (
        stored is not None
        and stored.thresholds.drawdown.warning_ratio == 0.9
        and stored.who == "ann"
    )
    _type(qtbot, view, "stale_after_s", "30")
    qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)
    await until(lambda: view.versions.rowCount() == 2)
    newest = view.versions.row_at(view.versions.row_of("2"))
    assert newest.summary == "General › Stale after (s) 10 → 30"
    assert view.state_label.text() == "Saved"
    assert not view.save_button.isEnabled()


async def test_revert_loads_an_older_version_as_draft(qtbot) -> None:
    repo = MemoryThresholdRepository()
    await repo.save(None, Thresholds(), "ann")
    await repo.save(None, Thresholds.model_validate({"stale_after_s": 60}), "bob")
    view = await _open(qtbot, repo)
    assert view.form.fields["stale_after_s"].text == "60"
    assert view.version_table.select_key("1")
    view.revert_to_selected()
    assert view.form.fields["stale_after_s"].text == "10"
    assert view.save_button.isEnabled()
    qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)
    await until(lambda: view.versions.rowCount() == 3)
    assert (await repo.load(None)).thresholds == Thresholds()


async def test_optional_field_accepts_empty_as_off(qtbot) -> None:
    view = await _open(qtbot, MemoryThresholdRepository())
    _type(qtbot, view, "daily_loss.warning_loss", "0.05")
    _type(qtbot, view, "daily_loss.critical_loss", "0.03")
    assert "must be below" in (view.form.fields["daily_loss.warning_loss"].error or "")
    _type(qtbot, view, "daily_loss.critical_loss", "")
    assert view.form.result.valid
    assert view.form.value().daily_loss.critical_loss is None


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
async def test_export_then_import_round_trips(qtbot, tmp_path, suffix) -> None:
    view = await _open(qtbot, MemoryThresholdRepository())
    _type(qtbot, view, "slippage.slack_bps", "2.5")
    path = tmp_path / f"t{suffix}"
    view.export_to(path)
    _type(qtbot, view, "slippage.slack_bps", "1")
    view.import_from(path)
    assert view.form.fields["slippage.slack_bps"].text == "2.5"


async def test_bad_import_names_the_field(qtbot, tmp_path) -> None:
    view = await _open(qtbot, MemoryThresholdRepository())
    bad = tmp_path / "bad.yaml"
    bad.write_text("drawdown:\n  warning_ratio: -1\n")
    with pytest.raises(ValueError, match=r"drawdown\.warning_ratio"):
        view.import_from(bad)


async def test_scopes_load_their_own_versions(qtbot) -> None:
    repo = MemoryThresholdRepository()
    await repo.save("s1", Thresholds.model_validate({"stale_after_s": 42}), "ann")
    view = await _open(qtbot, repo)
    view.set_strategies({"s1": "Momentum"})
    view.scope_combo.setCurrentIndex(1)
    await until(lambda: view.form.fields["stale_after_s"].text == "42")
    assert view.scope == "s1"


async def test_test_against_history_replays_the_draft_being_typed(qtbot, store: Store) -> None:
    """The embedded "test against history": follows the scope, replays the draft the user
    is typing (and the saved version for comparison) over real stored history."""
    await seed(store, "alpha")
    repo = MemoryThresholdRepository()
    await repo.save("alpha", Thresholds(), "ann")
    view = await _open(qtbot, repo)
    view.backtest.set_source(ServiceHistorySource(HistoryService(store)))
    await until(lambda: view.backtest.strategy.count() == 1)
    view.set_strategies({"alpha": "Alpha"})
    view.scope_combo.setCurrentIndex(1)
    await until(lambda: view.scope == "alpha" and view.state_label.text() == "Saved")
    assert view.backtest.strategy.currentData() == "alpha"
    _type(qtbot, view, "daily_loss.warning_loss", "abc")
    view.backtest.run_button.click()
    assert view.backtest.summary.text() == "Cannot test: fix the draft's errors first."
    _type(qtbot, view, "daily_loss.warning_loss", "0.001")
    _type(qtbot, view, "daily_loss.critical_loss", "0.002")
    got: list = []  # type: ignore[type-arg]
    view.backtest.tested.connect(got.append)
    view.backtest.run_button.click()
    await until(lambda: got, limit_s=60)
    draft, saved = got[0].summaries
    assert any(a.rule == "daily_loss" for a in draft.fired), "the typed 0.1 % limit fires"
    assert not any(a.rule == "daily_loss" for a in saved.fired), "the saved rules have none"
    assert "Saved rules:" in view.backtest.summary.text()
    assert view.state_label.text() == "Unsaved changes"  # testing saved nothing
    assert (await repo.load("alpha")).thresholds == Thresholds()


async def test_a_detection_preset_fills_the_draft_and_saves_as_a_version(qtbot) -> None:
    """Picked with the keyboard like a user: the four warning levels change, the rest
    of the desk's draft stays, the row says what the bench measured, Save stores it."""
    from perfdesk.domain.threshold_presets import PRESETS

    repo = MemoryThresholdRepository()
    view = await _open(qtbot, repo)
    combo = view.presets.combo
    assert combo.currentText() == PRESETS[0].name  # the defaults are the balanced preset
    _type(qtbot, view, "drawdown.warning_ratio", "0.7")  # the desk's own change stays
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)  # -> "Catch decays sooner"
    decays = PRESETS[1]
    assert combo.currentText() == decays.name
    assert view.form.fields["cusum.warning_false_alarm"].text == "0.0548"
    assert view.form.fields["daily_loss.warning_prob"].text == "0.0003915"
    assert view.form.fields["drawdown.warning_ratio"].text == "0.7"
    assert "81% by year end" in view.presets.about.text()
    assert view.state_label.text() == "Unsaved changes" and view.save_button.isEnabled()
    qtbot.keyClicks(view.reason_edit, "desk prefers decays")
    qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)
    await until(lambda: view.versions.rowCount() == 1)
    stored = (await repo.load(None)).thresholds
    assert stored == decays.applied_to(
        Thresholds.model_validate({"drawdown": {"warning_ratio": 0.7}})
    )
    assert combo.currentText() == decays.name  # the stored version is that preset
    _type(qtbot, view, "cusum.warning_false_alarm", "0.03")  # by hand: a custom mix
    assert combo.currentText() == "Custom mix"
    assert "no measured figures" in view.presets.about.text()
    _type(qtbot, view, "cusum.warning_false_alarm", "0.0548")  # back to the preset by hand
    _type(qtbot, view, "drawdown.warning_ratio", "x")  # another field invalid: still the preset
    assert combo.currentText() == decays.name and not view.save_button.isEnabled()


async def test_a_preset_below_a_raised_critical_level_says_why_and_changes_nothing(qtbot) -> None:
    view = await _open(qtbot, MemoryThresholdRepository())
    _type(qtbot, view, "sharpe.warning_p", "0.05")
    _type(qtbot, view, "sharpe.critical_p", "0.01")
    assert view.presets.combo.currentText() == "Custom mix"
    before = view.form.texts()
    view.presets.combo.setFocus()
    qtbot.keyClick(view.presets.combo, Qt.Key.Key_Down)  # -> the balanced preset: p 0.0062
    assert view.form.texts() == before
    assert view.state_label.text().startswith("preset 'Balanced")
    assert "Sharpe" in view.state_label.text() or "sharpe" in view.state_label.text()
    assert view.presets.combo.currentText() == "Custom mix"


async def test_custom_mix_is_shown_but_cannot_be_picked(qtbot) -> None:
    view = await _open(qtbot, MemoryThresholdRepository())
    combo = view.presets.combo
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Up)  # from the first preset: "Custom mix" is skipped
    assert combo.currentIndex() == 1
    assert view.form.value() == Thresholds()


async def test_nothing_can_be_saved_or_filled_before_the_stored_version_is_loaded(qtbot) -> None:
    import asyncio

    gate = asyncio.Event()

    class SlowRepository(MemoryThresholdRepository):
        async def load(self, strategy_id):  # type: ignore[no-untyped-def]
            await gate.wait()  # the database is still starting
            return await super().load(strategy_id)

    view = ThresholdsView(SlowRepository(), who="ann")
    qtbot.addWidget(view)
    view.show()
    view.load(None)
    await asyncio.sleep(0.05)
    assert view.state_label.text() == "Loading…"
    assert not any(
        w.isEnabled()
        for w in (view.save_button, view.discard_button, view.export_button, view.presets)
    )
    gate.set()
    await until(lambda: view.state_label.text() == "Defaults (never saved for this scope)")
    assert view.save_button.isEnabled() and view.presets.isEnabled()  # saving the defaults
    assert view.presets.combo.currentText() == "Balanced: catch crashes (defaults)"


async def test_a_failed_load_says_why(qtbot) -> None:
    class DownRepository(MemoryThresholdRepository):
        async def load(self, strategy_id):  # type: ignore[no-untyped-def]
            raise ConnectionError("database went away")

    view = ThresholdsView(DownRepository(), who="ann")
    qtbot.addWidget(view)
    view.show()
    view.load(None)
    await until(lambda: "database went away" in view.state_label.text())
    assert view.state_label.text().startswith("Could not load the saved thresholds")
    assert not view.save_button.isEnabled()
