"""Strategy setup: a backtest CSV imported with progress; bad rows shown at line/column."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from PySide6.QtCore import Qt
from views_factories import until

from perfdesk.testing.memory_repositories import MemoryThresholdRepository
from perfdesk.views.strategy_setup.strategy_setup_view import StrategySetupView


def _write_backtest(path, days: int = 160, bad_line: int | None = None) -> None:
    rng = np.random.default_rng(3)
    equity = 1e6 * np.cumprod(1 + rng.normal(0.0004, 0.01, days))
    rows = ["ts,equity"]
    for i in range(days):
        value = "n/a" if bad_line == i + 2 else f"{equity[i]:.2f}"
        rows.append(f"{date(2024, 1, 1) + timedelta(days=i)},{value}")
    path.write_text("\n".join(rows) + "\n")


async def test_import_shows_progress_then_profile_and_saves(qtbot, tmp_path) -> None:
    repo = MemoryThresholdRepository()
    view = StrategySetupView(repo, who="ann")
    qtbot.addWidget(view)
    view.show()
    csv = tmp_path / "bt.csv"
    _write_backtest(csv)
    seen: list[float] = []
    view.relay.progressed.connect(lambda f, _s: seen.append(f))
    view.set_strategies({"s1": "Momentum"})
    view.start_import(csv)
    await until(lambda: view.preview is not None, limit_s=60)
    assert seen and seen[-1] == 1.0 and seen == sorted(seen)
    assert view.figures.metric_label("days").text() == "159"
    assert view.preview_panel.isVisible() and not view.issues_table.isVisible()
    view.declared.fields["slippage_bps"].set_text("1.5")
    saved: list[str] = []
    view.expectations_saved.connect(saved.append)
    view.save()
    await until(lambda: saved == ["s1"])
    stored = await repo.load_expectations("s1")
    assert stored is not None and stored.profile is not None and stored.slippage_bps == 1.5


async def test_bad_row_is_listed_with_line_and_column(qtbot, tmp_path) -> None:
    view = StrategySetupView(MemoryThresholdRepository(), who="ann")
    qtbot.addWidget(view)
    view.show()
    csv = tmp_path / "bad.csv"
    _write_backtest(csv, bad_line=7)
    view.start_import(csv)
    await until(view.issues_table.isVisible, limit_s=30)
    issue = view.issues.row_at(0)
    assert (issue.line, issue.column) == (7, "equity")
    assert "1 problem" in view.stage_label.text()
    assert view.preview is None


async def test_import_errors_are_listed_in_line_order(qtbot, tmp_path) -> None:
    view = StrategySetupView(MemoryThresholdRepository(), who="ann")
    qtbot.addWidget(view)
    view.show()
    csv = tmp_path / "bad.csv"
    _write_backtest(csv)
    lines = csv.read_text().splitlines()
    for n in (3, 9, 12, 40):  # file lines (1-based; line 1 is the header)
        lines[n - 1] = lines[n - 1].split(",")[0] + ",n/a"
    csv.write_text("\n".join(lines) + "\n")
    view.start_import(csv)
    await until(view.issues_table.isVisible, limit_s=30)
    proxy = view.issues_table.proxy
    shown = [proxy.index(r, 0).data() for r in range(proxy.rowCount())]
    assert [int(x) for x in shown] == [3, 9, 12, 40]


def test_only_known_strategies_can_be_picked_by_name(qtbot) -> None:
    view = StrategySetupView(MemoryThresholdRepository(), who="ann")
    qtbot.addWidget(view)
    assert view.strategy_id == "" and not view.strategy_combo.isEditable()
    view.set_strategies({"carry-break": "FX carry", "trend-healthy": "Trend follower"})
    combo = view.strategy_combo
    assert [combo.itemText(i) for i in range(combo.count())] == ["FX carry", "Trend follower"]
    assert combo.itemData(0, Qt.ItemDataRole.ToolTipRole) == "carry-break"
    assert view.strategy_id == "carry-break"
    assert not view.select_strategy("phantom") and view.strategy_id == "carry-break"
    assert view.select_strategy("trend-healthy") and view.strategy_id == "trend-healthy"


async def test_a_strategy_judged_by_its_announced_profile_says_so(qtbot, tmp_path) -> None:
    repo = MemoryThresholdRepository()
    announced = await _import_and_save(qtbot, repo, tmp_path / "bt.csv", "tmp")
    assert announced is not None
    repo.announced["carry-break"] = announced  # sent by its engine, nothing saved here
    view = StrategySetupView(repo, who="bob")
    qtbot.addWidget(view)
    view.show()
    view.set_strategies({"carry-break": "FX carry"})
    view.load_stored()
    await until(lambda: view.stored is not None)
    text = view.stage_label.text()
    assert "Nothing stored" not in text
    assert text.startswith("FX carry (carry-break) is judged by the backtest profile its engine")
    # The long line wraps: it no longer makes the page wider than a 1440 px window.
    assert view.stage_label.minimumSizeHint().width() < 400  # unwrapped, it needed 1,263 px
    view.declared.fields["slippage_bps"].set_text("2")
    assert "announced by the engine" in view.state_label.text()
    view.save()
    await until(lambda: view.state_label.text() == "Saved expectations for carry-break")
    saved = await repo.load_expectations("carry-break")
    assert saved is not None and saved.profile == announced.profile  # kept, not dropped
    assert saved.slippage_bps == 2.0


def test_declared_only_expectations_validate_at_field(qtbot) -> None:
    view = StrategySetupView(MemoryThresholdRepository(), who="ann")
    qtbot.addWidget(view)
    view.set_strategies({"s2": "Carry"})
    assert not view.save_button.isEnabled()  # nothing entered yet
    assert "declare a value" in view.state_label.text()
    field = view.declared.fields["max_drawdown"]
    qtbot.keyClicks(field.input, "1.5")
    assert field.error == "Must be less than or equal to 1"
    assert not view.save_button.isEnabled()
    field.set_text("0.15")
    assert view.save_button.isEnabled()
    assert view.expectations().max_drawdown == 0.15


async def _import_and_save(qtbot, repo, csv, strategy_id: str):  # type: ignore[no-untyped-def]
    """Import a backtest for the strategy in a first session and save it; what is stored."""
    first = StrategySetupView(repo, who="ann")
    qtbot.addWidget(first)
    _write_backtest(csv)
    first.set_strategies({strategy_id: strategy_id.upper()})
    first.start_import(csv)
    await until(lambda: first.preview is not None, limit_s=60)
    first.save()
    await until(lambda: first.state_label.text() == f"Saved expectations for {strategy_id}")
    return await repo.load_expectations(strategy_id)


async def test_declaring_a_value_later_keeps_the_stored_backtest_profile(qtbot, tmp_path) -> None:
    """Pick a strategy that has a stored profile, declare one more value, save: the profile
    and the other stored values stay (they used to be replaced by the declared values)."""
    repo = MemoryThresholdRepository()
    before = await _import_and_save(qtbot, repo, tmp_path / "bt.csv", "s1")
    assert before is not None and before.profile is not None and before.sharpe is not None

    view = StrategySetupView(repo, who="bob")  # another session: nothing imported
    qtbot.addWidget(view)
    view.show()
    view.set_strategies({"s1": "Momentum"})
    view.strategy_combo.setCurrentIndex(view.strategy_combo.findData("s1"))
    view.load_stored()
    await until(lambda: view.stored is not None)
    assert view.stage_label.text().startswith("Stored for Momentum (s1): a backtest profile of")
    sharpe = view.declared.fields["sharpe"]
    assert sharpe.text == "" and "stored" in sharpe.input.placeholderText()
    assert not view.save_button.isEnabled()  # nothing entered yet
    view.declared.fields["slippage_bps"].set_text("2")
    assert "stored backtest profile (kept)" in view.state_label.text()
    view.save()
    await until(lambda: view.state_label.text() == "Saved expectations for s1")
    after = await repo.load_expectations("s1")
    assert after is not None and after.slippage_bps == 2.0
    assert after.profile == before.profile and after.sharpe == before.sharpe


async def test_saving_before_the_stored_values_were_shown_keeps_the_profile(
    qtbot, tmp_path
) -> None:
    """The save reads what is stored itself: a page that never showed the stored values
    (hidden, or still loading) does not drop the stored backtest profile either."""
    repo = MemoryThresholdRepository()
    before = await _import_and_save(qtbot, repo, tmp_path / "bt.csv", "s1")

    hidden = StrategySetupView(repo, who="bob")
    qtbot.addWidget(hidden)
    hidden.set_strategies({"s1": "Momentum"})  # picked while hidden: nothing loaded
    assert hidden.stored is None and hidden.strategy_id == "s1"
    hidden.declared.fields["win_rate"].set_text("0.6")
    hidden.save()
    await until(lambda: hidden.state_label.text() == "Saved expectations for s1")
    after = await repo.load_expectations("s1")
    assert after is not None and before is not None
    assert after.win_rate == 0.6 and after.profile == before.profile
