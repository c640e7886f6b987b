"""Strategy setup imports a backtest written by another tool through the format picker."""

from __future__ import annotations

from pathlib import Path

from views_factories import until

from perfdesk.testing.memory_repositories import MemoryThresholdRepository
from perfdesk.views.strategy_setup.strategy_setup_view import StrategySetupView

FIXTURE = Path(__file__).parent.parent / "fixtures" / "backtests" / "backtrader_returns.csv"


async def test_a_backtrader_file_imports_through_the_format_picker(qtbot) -> None:
    view = StrategySetupView(MemoryThresholdRepository(), who="ann")
    qtbot.addWidget(view)
    view.show()
    view.format_combo.setCurrentIndex(view.format_combo.findData("backtrader"))
    view.start_import(FIXTURE)
    await until(lambda: view.preview is not None, limit_s=60)
    assert view.preview is not None and view.preview.read.startswith("index + return")
    assert "read index + return" in view.stage_label.text()
    assert view.figures.metric_label("days").text() == "300"
