"""Garbage collection in a Qt process with background threads: only the GUI thread collects.

A cyclic collection that runs on a backend thread (BackendHost, LoopThread) may destroy a
Qt object there; Qt cannot stop that object's timers from another thread, and a later
timer event reaches freed memory (seen as a segfault in the tests). So: the ingest policy
(frozen start-up heap, generation-0 threshold 20,000: `services.pipeline`), automatic
collection off, and a 0.25 s GUI-thread timer that collects by those thresholds
(pyqtgraph's GarbageCollector).
"""

from __future__ import annotations

from pyqtgraph.util.garbage_collector import GarbageCollector

from perfdesk.services.live.pipeline import tune_gc_for_ingest

_collector: list[GarbageCollector] = []  # kept alive for the process


def collect_on_the_gui_thread(interval_s: float = 0.25) -> None:
    """Call once on the GUI thread after start-up (idempotent)."""
    tune_gc_for_ingest()
    if not _collector:
        _collector.append(GarbageCollector(interval=interval_s))
