"""Verification table layout: all ten rules fit a 1440 x 900 window with every column readable."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QFontMetrics

from perfdesk.domain.snapshot import StrategySnapshot
from perfdesk.domain.status import FeedState, StrategyState
from perfdesk.testing.sample_source import SampleSource
from perfdesk.views.components.data_table import VERTICAL_TITLE_ROLE
from perfdesk.views.shell.main_window import MainWindow
from perfdesk.views.support import style


class WideSource(SampleSource):
    """The screenshots' eight strategies (every rule of the validator), plus the widest values
    a desk sees: a disconnected feed, a stopped strategy, millions of events."""

    def snapshots(self) -> dict[str, StrategySnapshot]:
        snaps = super().snapshots()
        first = snaps["strat-01"]
        snaps["strat-01"] = dataclasses.replace(
            first,
            feed=FeedState.DISCONNECTED,
            state=StrategyState.STOPPED,
            events=2_345_678,
            pnl_today=-987_654.32,
        )
        return snaps


def test_verification_table_fits_1440_wide_without_sideways_scrolling(qtbot, tmp_path) -> None:
    settings = QSettings(str(tmp_path / "perfdesk.ini"), QSettings.Format.IniFormat)
    window = MainWindow(WideSource(count=8), settings=settings)
    qtbot.addWidget(window)
    window.resize(1440, 900)
    window.show()
    window.show_page("verification")
    window.refresh()
    table = window.verification.table
    model = window.verification.model
    header = table.horizontalHeader()
    qtbot.waitUntil(lambda: model.rowCount() == 8 and header.height() > 0)
    assert len(model.rules) == 11  # a column for each rule of analytics/rules/registry.py
    qtbot.waitUntil(lambda: window.width() == 1440 and table.viewport().width() > 1000)

    # The layout assertion: no horizontal scrolling is possible, every column is inside
    # (once the posted layout requests have run: the banner's reserved strip means no
    # resize after the first refresh prompts them).
    qtbot.waitUntil(lambda: table.horizontalScrollBar().maximum() == 0)
    widths = [table.columnWidth(c) for c in range(model.columnCount())]
    assert sum(widths) <= table.viewport().width()

    theme = style.current_theme()
    caption = QFontMetrics(style.typography_font(theme, "typography.semantic.caption"))
    pad = theme.px("spacing.semantic.sm")
    for c, column in enumerate(model.columns):
        width = table.columnWidth(c)
        vertical = model.headerData(c, Qt.Orientation.Horizontal, VERTICAL_TITLE_ROLE)
        if vertical:  # written bottom-to-top: the header is tall enough for it
            assert caption.horizontalAdvance(vertical) + 2 * pad <= header.height(), column.key
        else:
            for line in column.title.upper().splitlines():
                assert caption.horizontalAdvance(line) + 2 * pad <= width, column.key
        if column.extra.get("compact"):  # a round status mark, not a word
            assert width >= caption.height() + 4 + 2 * pad // 2, column.key
        elif not column.badge and column.key != "failing":
            # No cell text is cut: the widest text of the column needs no more than its width.
            assert table.sizeHintForColumn(c) <= width, column.key
    # "Failing" takes the rest; what does not fit is in the tooltip.
    rows = [r for r in range(model.rowCount()) if model.row_at(r).failing()]
    assert rows  # the sample has strategies at warning and critical
    for row in rows:
        failing = model.index(row, model.column_of("failing"))
        assert failing.data(Qt.ItemDataRole.ToolTipRole) == model.row_at(row).failing()
    assert table.columnWidth(model.column_of("failing")) >= caption.horizontalAdvance("FAILING")
