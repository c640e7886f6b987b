"""Only the GUI thread collects garbage once the app is up (views/gc_policy.py)."""

from __future__ import annotations

import gc

from perfdesk.services.live.pipeline import GC_THRESHOLDS
from perfdesk.views.support import gc_policy


def test_automatic_collection_off_and_a_gui_timer_collects(qtbot) -> None:
    before = gc.get_threshold()
    try:
        gc_policy.collect_on_the_gui_thread(interval_s=0.05)
        assert not gc.isenabled()
        assert gc.get_threshold() == GC_THRESHOLDS
        collector = gc_policy._collector[0]
        assert collector.timer.isActive()
        gc.unfreeze()  # let this test's garbage be collectable again
        young = [[] for _ in range(GC_THRESHOLDS[0] + 1000)]  # tracked allocations
        for item in young:
            item.append(item)  # cycles: only the collector frees them
        del young, item
        assert gc.get_count()[0] > GC_THRESHOLDS[0]
        qtbot.waitUntil(lambda: gc.get_count()[0] < GC_THRESHOLDS[0], timeout=2000)
    finally:
        gc.set_threshold(*before)
