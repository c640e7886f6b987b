"""Frame pacing for the window's pull timer: a target rate, backing off under load.

After each refresh a zero-delay timer fires once the queued repaint is done, which
measures what a frame really costs (pulling state + painting) in GUI-thread CPU time
(wall time would also count other processes). The timer's interval becomes
clamp(cost / share, 1 / rate, MAX_INTERVAL_MS) from a smoothed cost: the window takes
at most `share` of the GUI thread, so with many strategies or a slow machine frames are
skipped — state is in memory, nothing is lost — and keys and clicks stay responsive;
it never drops below 2 frames a second, and one slow frame does not stall it.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer

MAX_SHARE = 0.4
MAX_INTERVAL_MS = 500
SMOOTHING = 0.3


class FramePacer(QObject):
    """Adjusts `timer` (a running repeating QTimer) from measured frame costs."""

    def __init__(self, timer: QTimer, rate_hz: float, share: float = MAX_SHARE) -> None:
        super().__init__(timer)
        self.timer = timer
        self.share = share
        self.base_ms = round(1000 / rate_hz)
        self.last_cost_ms = 0.0  # wall time of the last frame (for reports)
        self.last_cpu_ms = 0.0  # GUI-thread CPU time of the last frame
        self.smoothed_cpu_ms = 0.0
        self._start = 0.0
        self._cpu_start = 0.0
        timer.setInterval(self.base_ms)

    def set_rate(self, rate_hz: float) -> None:
        self.base_ms = round(1000 / rate_hz)
        self.timer.setInterval(self._wanted())

    def frame_started(self) -> None:
        """Call at the start of a refresh; the cost is measured until the loop is idle."""
        self._start = time.perf_counter()
        self._cpu_start = time.thread_time()
        QTimer.singleShot(0, self._frame_done)

    def _frame_done(self) -> None:
        self.last_cost_ms = (time.perf_counter() - self._start) * 1000
        self.last_cpu_ms = (time.thread_time() - self._cpu_start) * 1000
        self.smoothed_cpu_ms += SMOOTHING * (self.last_cpu_ms - self.smoothed_cpu_ms)
        wanted = self._wanted()
        if wanted != self.timer.interval() and self.timer.isActive():
            self.timer.setInterval(wanted)

    def _wanted(self) -> int:
        backoff = round(self.smoothed_cpu_ms / self.share)
        return max(self.base_ms, min(MAX_INTERVAL_MS, backoff))

    @property
    def rate_hz(self) -> float:
        return 1000 / max(1, self.timer.interval())
