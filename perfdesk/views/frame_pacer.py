"""Frame pacing for the window's pull timer: a target rate, backing off under load.

After each refresh a zero-delay timer fires once the queued repaint is done, which
measures what a frame really costs (pulling state + painting). The timer's interval
becomes max(1 / rate, cost / share): the window never takes more than `share` of the
GUI thread, so under CPU pressure (a slow machine, many strategies, other processes)
frames are skipped — state is in memory, nothing is lost — and the event loop, keys
and clicks stay responsive.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer

MAX_SHARE = 0.4


class FramePacer(QObject):
    """Adjusts `timer` (a running repeating QTimer) from measured frame costs."""

    def __init__(self, timer: QTimer, rate_hz: float, share: float = MAX_SHARE) -> None:
        super().__init__(timer)
        self.timer = timer
        self.share = share
        self.base_ms = round(1000 / rate_hz)
        self.last_cost_ms = 0.0
        self.last_cpu_ms = 0.0  # GUI-thread CPU time of the last frame (load-independent)
        self._start = 0.0
        self._cpu_start = 0.0
        timer.setInterval(self.base_ms)

    def set_rate(self, rate_hz: float) -> None:
        self.base_ms = round(1000 / rate_hz)
        self.timer.setInterval(max(self.base_ms, self.timer.interval()))

    def frame_started(self) -> None:
        """Call at the start of a refresh; the cost is measured until the loop is idle."""
        self._start = time.perf_counter()
        self._cpu_start = time.thread_time()
        QTimer.singleShot(0, self._frame_done)

    def _frame_done(self) -> None:
        self.last_cost_ms = (time.perf_counter() - self._start) * 1000
        self.last_cpu_ms = (time.thread_time() - self._cpu_start) * 1000
        wanted = max(self.base_ms, round(self.last_cost_ms / self.share))
        if wanted != self.timer.interval() and self.timer.isActive():
            self.timer.setInterval(wanted)

    @property
    def rate_hz(self) -> float:
        return 1000 / max(1, self.timer.interval())
