"""The status bar says when the engine token was refused over plain ws:// (or is sent
unencrypted under --insecure): the engine client's FeedStats.security, as published."""

from __future__ import annotations

import asyncio

from views_factories import FakeSource, make_snapshot, until

from perfdesk.services.engine.recorder import RecordingHandler
from perfdesk.services.engine.ws_client import EngineClient
from perfdesk.views.shell.main_window import MainWindow


class LinkSource(FakeSource):
    """A source that also reports the engine link's security, like RuntimeSource."""

    def __init__(self, client: EngineClient) -> None:
        super().__init__()
        self.client = client

    def engine_notes(self) -> list[str]:
        return [self.client.stats.security] if self.client.stats.security else []


async def test_a_refused_token_and_an_insecure_link_show_in_the_status_bar(qtbot) -> None:
    url = "ws://engine.example:9000/feed"
    refused = EngineClient(url, RecordingHandler(), token="t0k", insecure=False)
    source = LinkSource(refused)
    source.snaps = {"s1": make_snapshot("s1")}
    window = MainWindow(source)
    qtbot.addWidget(window)
    window.timer.stop()
    window.refresh()
    assert "⚠" not in window.status_label.text()
    task = asyncio.create_task(refused.run())
    try:
        await until(lambda: refused.stats.security is not None)
        window.refresh()
        text = window.status_label.text()
        assert text.startswith("1 strategy · 1 live feed")
        assert "⚠ refused to send the engine token over unencrypted ws:// to engine.example" in text
    finally:
        await refused.stop()
        await task
    allowed = EngineClient(url, RecordingHandler(), token="t0k", insecure=True)
    assert allowed._refuse_insecure() is False
    source.client = allowed
    window.refresh()
    assert window.status_label.text().endswith(
        "⚠ engine token sent unencrypted (ws://, --insecure)"
    )


async def test_frames_the_guard_refused_show_in_the_status_bar(qtbot) -> None:
    """Valid-but-hostile frames refused at the source are said where it stays visible."""
    from perfdesk.services.engine.recorder import RecordingHandler as Handler
    from perfdesk.services.engine.stats import refused_text

    client = EngineClient("ws://127.0.0.1:1", Handler())
    source = LinkSource(client)
    source.snaps = {"s1": make_snapshot("s1")}
    client.stats.dead_letters = 2
    client.stats.last_dead_letter = "s1: seq 4611686018427387904 jumps"
    source.engine_notes = lambda: [refused_text(client.stats)]  # type: ignore[method-assign]
    window = MainWindow(source)
    qtbot.addWidget(window)
    window.timer.stop()
    window.refresh()
    assert "⚠ 2 engine frames refused (last: s1: seq 4611686018427387904 jumps)" in (
        window.status_label.text()
    )


def test_a_long_note_is_cut_in_the_bar_and_whole_in_its_tooltip(qtbot) -> None:
    """A refused frame's reason runs to 300 characters: whole in the right-aligned label
    it pushed the strategy and feed counts off the bar's left edge."""
    reason = (
        "strategy hostile: its backtest profile was dropped (expectations.profile.drawdown:"
        " Value error, 0 horizons and 0 tables: one table per horizon, at least one); the"
        " strategy is kept and judged on its summary expectations"
    )
    note = f"1 engine frame refused (last: {reason})"
    source = FakeSource()
    source.snaps = {"s1": make_snapshot("s1")}
    source.engine_notes = lambda: [note]  # type: ignore[method-assign]
    window = MainWindow(source)
    qtbot.addWidget(window)
    window.timer.stop()
    window.resize(1200, 800)
    window.show()
    window.refresh()
    text = window.status_label.text()
    assert text.startswith("1 strategy · 1 live feed · 0 active alerts · ⚠ 1 engine frame")
    assert (
        text.endswith("…") and len(text) < len("1 strategy · 1 live feed · 0 active alerts") + 100
    )
    assert window.status_label.toolTip() == note
    qtbot.waitUntil(lambda: window.status_label.width() >= window.status_label.sizeHint().width())
    source.engine_notes = lambda: []  # type: ignore[method-assign]
    window.refresh()
    assert window.status_label.toolTip() == "" and "⚠" not in window.status_label.text()
