"""The pieces `bench gui` drives: window, backend thread, feeder, lag and keystroke probes.

As in the app, the live monitor, the feeder, validation (every 0.25 s) and the
publisher (every 0.05 s) run on a backend loop thread; the window only reads the
published snapshots on its own timer. The GUI thread shares the process (and the
GIL) with that backend, as it does in the app.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from perfdesk.domain.alerts import Alert
from perfdesk.domain.events import EquityEvent, StrategyInfo, unchecked
from perfdesk.domain.expectations import Expectations
from perfdesk.domain.snapshot import StrategySnapshot
from perfdesk.domain.status import FeedState, StrategyState
from perfdesk.services.live.monitor import LiveMonitor
from perfdesk.services.support.loop_thread import LoopThread
from perfdesk.testing.memory_repositories import MemoryThresholdRepository
from perfdesk.views.shell.main_window import MainWindow
from perfdesk.views.support.gc_policy import collect_on_the_gui_thread
from perfdesk.views.support.style import apply_theme
from perfdesk.views.thresholds.thresholds_view import ThresholdsView

BATCH_S = 0.005
MAX_BATCH = 1500  # events per loop turn at most (~20 ms), like a bounded socket read


VALIDATE_S = 0.25
PUBLISH_S = 0.05


class PublishedSource:
    """What the window pulls: the snapshots the backend last published (no alerts here)."""

    def __init__(self) -> None:
        self.published: dict[str, StrategySnapshot] = {}

    def snapshots(self) -> dict[str, StrategySnapshot]:
        return self.published

    def active_alerts(self) -> list[Alert]:
        return []

    def storage(self) -> None:
        return None  # no database behind this source

    def engine_notes(self) -> list[str]:
        return []


class _PaintWatch(QObject):
    """Records when the watched widget paints (the feedback became visible)."""

    def __init__(self) -> None:
        super().__init__()
        self.painted_at: float | None = None
        self.painted = asyncio.Event()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self.painted_at is None:
            self.painted_at = time.perf_counter()
            self.painted.set()
        return False


class Rig:
    def __init__(self, strategies: int) -> None:
        self.ids = [f"bench-{i:02d}" for i in range(strategies)]
        self.monitor = LiveMonitor()  # backend thread only
        self.monitor.set_feed(FeedState.LIVE)
        self.source = PublishedSource()
        self.backend = LoopThread("bench-backend")
        self._backend_tasks: list[asyncio.Task[None]] = []
        self.window: MainWindow | None = None
        self.form: ThresholdsView | None = None
        self.frames = 0
        self.event_cpu_s = 0.0
        self.probe_frames_per_s = 0.0
        self.busy_ms: list[float] = []
        self.frame_wall_ms: list[float] = []
        self.frame_cpu_ms: list[float] = []
        self.refresh_hz = 15
        self._equity = np.full(strategies, 1e6)
        self._rng = np.random.default_rng(1)
        self._t0 = datetime.now(UTC) - timedelta(hours=6)

    async def _start_backend(self) -> None:
        """On the backend loop: the strategies, then validation and publishing tasks."""
        for sid in self.ids:
            info = StrategyInfo(
                strategy_id=sid,
                name=sid,
                status=StrategyState.ACTIVE,
                expectations=Expectations(max_drawdown=0.1),
            )
            self.monitor.on_strategy(info)
        self.source.published = self.monitor.snapshots()
        self._backend_tasks = [
            asyncio.ensure_future(self._every(VALIDATE_S, self.monitor.validate)),
            asyncio.ensure_future(self._every(PUBLISH_S, self._publish)),
        ]

    def _publish(self) -> None:
        self.source.published = self.monitor.snapshots()  # one reference swap

    @staticmethod
    async def _every(seconds: float, fn: Callable[[], object]) -> None:
        while True:
            fn()
            await asyncio.sleep(seconds)

    async def _stop_backend(self) -> None:
        for task in self._backend_tasks:
            task.cancel()
        await asyncio.gather(*self._backend_tasks, return_exceptions=True)

    async def start(self) -> None:
        app = QApplication.instance()
        if app is None:
            raise RuntimeError("bench gui needs a QApplication")
        apply_theme(app, "dark")
        await self.backend.acall(self._start_backend())
        self.window = MainWindow(self.source, refresh_hz=self.refresh_hz)
        self.window.resize(2560, 1440)
        self.window.show()
        self.window.timer.timeout.connect(self._count_frame)
        self.form = ThresholdsView(MemoryThresholdRepository(), "bench")
        self.form.resize(1200, 800)
        self.form.show()
        await asyncio.sleep(0.5)
        collect_on_the_gui_thread()  # what the app does once its window is up

    def _count_frame(self) -> None:
        """Timer slot, before this frame's refresh: record the previous frame's cost."""
        assert self.window is not None
        self.frames += 1
        self.frame_wall_ms.append(self.window.pacer.last_cost_ms)
        self.frame_cpu_ms.append(self.window.pacer.last_cpu_ms)

    async def probe_lag(self, seconds: float) -> list[float]:
        """How late a 10 ms precise timer fires, in ms, for `seconds`.

        Also fills `busy_ms`: GUI-thread CPU time between consecutive ticks, i.e. the part
        of each lag spent running our own code (the rest is the OS running other work).
        """
        lags: list[float] = []
        self.busy_ms = []
        timer = QTimer()
        timer.setTimerType(Qt.TimerType.PreciseTimer)
        timer.setInterval(10)
        last = [time.perf_counter(), time.thread_time()]

        def tick() -> None:
            now, cpu = time.perf_counter(), time.thread_time()
            lags.append(max(0.0, (now - last[0]) * 1000 - 10))
            self.busy_ms.append((cpu - last[1]) * 1000)
            last[0], last[1] = now, cpu

        timer.timeout.connect(tick)
        frames0 = self.frames
        timer.start()
        await asyncio.sleep(seconds)
        timer.stop()
        self.probe_frames_per_s = (self.frames - frames0) / seconds
        return lags[1:]

    async def feed(self, rate: float, seconds: float) -> tuple[int, float]:
        """Deliver `rate` events/s (round-robin over strategies) for `seconds`, on the
        backend thread (`event_cpu_s` is that thread's CPU time for the events)."""
        return await self.backend.acall(self._feed(rate, seconds))

    async def _feed(self, rate: float, seconds: float) -> tuple[int, float]:
        start = time.perf_counter()
        sent = 0
        seq = dict.fromkeys(self.ids, 0)
        while (elapsed := time.perf_counter() - start) < seconds:
            cpu = time.thread_time()
            for _ in range(min(int(rate * elapsed) - sent, MAX_BATCH)):
                self.monitor.on_event(self._event(sent % len(self.ids), seq, elapsed))
                sent += 1
            self.event_cpu_s += time.thread_time() - cpu
            await asyncio.sleep(BATCH_S)
        return sent, time.perf_counter() - start

    def _event(self, i: int, seq: dict[str, int], elapsed: float) -> EquityEvent:
        sid = self.ids[i]
        seq[sid] += 1
        self._equity[i] *= 1 + self._rng.normal(0.0, 0.0004)
        equity = float(self._equity[i])
        ts = self._t0 + timedelta(seconds=seq[sid] * 0.5)
        return unchecked(
            EquityEvent,
            type="equity",
            strategy_id=sid,
            seq=seq[sid],
            ts=ts,
            equity=equity,
            realized_pnl=0.0,
            unrealized_pnl=equity - 1e6,
            position_value=equity,
        )

    async def keystrokes(self, count: int, spacing_s: float) -> list[float]:
        """Post key events to a threshold field; time until the field repaints."""
        assert self.form is not None
        field = self.form.form.fields["drawdown.warning_ratio"].input
        field.setFocus()
        out: list[float] = []
        for i in range(count):
            watch = _PaintWatch()
            field.installEventFilter(watch)
            key, text = (Qt.Key.Key_Backspace, "") if i % 2 else (Qt.Key.Key_9, "9")
            start = time.perf_counter()
            QApplication.postEvent(
                field, QKeyEvent(QEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier, text)
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(watch.painted.wait(), 2.0)
            field.removeEventFilter(watch)
            if watch.painted_at is not None:
                out.append((watch.painted_at - start) * 1000)
            await asyncio.sleep(spacing_s)
        return out

    def close(self) -> None:
        self.backend.call(self._stop_backend())
        self.backend.close()
        if self.window is not None:
            self.window.close()
        if self.form is not None:
            self.form.close()
