"""The HTML report is self-contained and has every section a PM expects."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from perfdesk.reports.html_render import render_html
from perfdesk.reports.model import Report


class _Refs(HTMLParser):
    """Collects every tag and attribute that could make a browser fetch something."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.fetching: list[tuple[str, str, str]] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._in_style = tag == "style"
        for name, value in attrs:
            if name in ("src", "href", "srcset", "data", "action", "xlink:href", "poster"):
                self.fetching.append((tag, name, value or ""))

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)


def _parse(text: str) -> _Refs:
    parser = _Refs()
    parser.feed(text)
    return parser


def test_html_has_no_external_reference(desk_report: Report) -> None:
    text = render_html(desk_report)
    refs = _parse(text)
    assert refs.fetching == []
    assert not re.search(r"https?://", text, re.IGNORECASE)
    assert "@import" not in text and "url(" not in "".join(refs.styles)
    assert not {"link", "script", "img", "iframe", "object", "embed"} & set(refs.tags)


def test_html_has_every_section_and_five_charts_per_strategy(desk_report: Report) -> None:
    text = render_html(desk_report)
    refs = _parse(text)
    assert refs.tags.count("svg") == 5 * len(desk_report.strategies) + 1  # + the desk chart
    assert 'id="chart-desk"' in text
    for title in (
        "Desk summary",
        "Rules",
        "Metrics: live vs backtest",
        "Monthly returns",
        "Top drawdowns",
        "Alerts in the period",
        "Threshold changes in the period",
    ):
        assert f"<h3>{title}</h3>" in text
    for sid in ("trend-healthy", "meanrev-decay"):
        for chart in ("equity", "underwater", "monthly", "rolling_sharpe", "cone"):
            assert f'id="chart-{chart}-{sid}"' in text


def test_html_shows_alert_acks_comments_and_threshold_diffs(desk_report: Report) -> None:
    text = render_html(desk_report)
    assert "sizing down; review Friday" in text  # the ack comment of the decaying strategy
    assert "drawdown.critical: 0.12 -&gt; 0.15" in text
    assert "wider after vol review" in text


def test_html_escapes_user_text(single_report: Report) -> None:
    from dataclasses import replace

    hostile = replace(single_report, title='<script>alert("x")</script>')
    text = render_html(hostile)
    assert "<script>" not in text and "&lt;script&gt;" in text
