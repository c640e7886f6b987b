"""Panels that read their data when first shown (views/support/shown_loader.py)."""

from __future__ import annotations

from perfdesk.views.support.shown_loader import LoadsWhenShown


class Panel(LoadsWhenShown):
    def __init__(self) -> None:
        super().__init__()
        self.source: str | None = None
        self.loads: list[str] = []
        self.updates = 0

    def set_source(self, source: str | None) -> None:
        self.source = source
        self.source_changed()

    def load(self) -> None:
        if self.source is None:
            self._update_actions()
            return
        self.loading_started()
        self.loads.append(self.source)

    def _update_actions(self) -> None:
        self.updates += 1


def test_reads_on_first_show_once_then_again_for_a_new_source(qtbot) -> None:
    panel = Panel()
    qtbot.addWidget(panel)
    panel.set_source("db-1")  # built before it is shown: nothing read yet
    assert panel.loads == [] and panel.updates == 1
    panel.show()
    qtbot.waitExposed(panel)
    assert panel.loads == ["db-1"]
    panel.hide()
    panel.show()  # shown again: no second read
    assert panel.loads == ["db-1"]
    panel.set_source("db-2")  # a new source while visible: read at once
    assert panel.loads == ["db-1", "db-2"]


def test_a_panel_without_a_source_reads_once_it_has_one(qtbot) -> None:
    panel = Panel()
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    assert panel.loads == []  # nothing to read from yet; shown again it tries again
    panel.hide()
    panel.set_source("db-1")
    assert panel.loads == []
    panel.show()
    assert panel.loads == ["db-1"]
