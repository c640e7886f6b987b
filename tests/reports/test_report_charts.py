"""SVG charts: valid XML, no external refs, dense series reduced, empty data explained."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace

import numpy as np

from perfdesk.reports.charts import strategy_charts
from perfdesk.reports.model import Report
from perfdesk.reports.style import default_style
from perfdesk.reports.svg import decimate, nice_ticks, paint

NS = "{http://www.w3.org/2000/svg}"


def test_every_chart_is_valid_svg_with_the_theme_colours(single_report: Report) -> None:
    style = default_style()
    a = single_report.strategies[0].analysis
    for key, svg in strategy_charts(a, style):
        root = ET.fromstring(svg.render())
        assert root.tag == f"{NS}svg", key
        assert "href" not in svg.render()
    equity = dict(strategy_charts(a, style))["equity"].render()
    assert paint(style.c("line"))[0] in equity


def test_dense_series_keep_their_extremes_at_chart_width() -> None:
    x = np.arange(200_000, dtype=float)
    y = np.sin(x / 5000.0)
    y[123_456] = 9.0
    dx, dy = decimate(x, y, 600)
    assert dx.size <= 1200 and dy.max() == 9.0 and np.all(np.diff(dx) > 0)


def test_nice_ticks_are_round_and_cover_the_range() -> None:
    assert nice_ticks(0.0, 1.0, 5) == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert nice_ticks(-0.13, 0.0, 4)[-1] == 0.0


def test_a_strategy_without_data_gets_messages_not_errors(single_report: Report) -> None:
    a = single_report.strategies[0].analysis
    empty = replace(a, t=np.empty(0), equity=np.empty(0), underwater=np.empty(0), monthly={},
                    cone=None, backtest_t=np.empty(0), expected_t=np.empty(0))  # fmt: skip
    texts = " ".join(svg.render() for _, svg in strategy_charts(empty, default_style()))
    assert "no equity data in the period" in texts and "no forecast cone" in texts
