"""The pieces `bench gui` drives: window + monitor, feeder, lag probe, keystroke probe."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from datetime import UTC, datetime, timedelta

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from perfdesk.domain.alerts import Alert
from perfdesk.domain.events import EquityEvent, StrategyInfo
from perfdesk.domain.expectations import Expectations
from perfdesk.domain.snapshot import StrategySnapshot
from perfdesk.domain.status import FeedState, StrategyState
from perfdesk.services.monitor import LiveMonitor
from perfdesk.views.main_window import MainWindow
from perfdesk.views.repositories import MemoryThresholdRepository
from perfdesk.views.style import apply_theme
from perfdesk.views.thresholds_view import ThresholdsView

BATCH_S = 0.005
MAX_BATCH = 1500  # events per loop turn at most (~20 ms), like a bounded socket read


def freeze_startup_heap() -> None:
    """What the app does once its window is up: move every object alive after start-up
    out of the collector's reach (gc.freeze). Without it a full (generation-2) collection
    walks the whole Qt/pyqtgraph/pydantic heap: a ~120 ms stall of the GUI thread."""
    gc.collect()
    gc.freeze()


class MonitorSource:
    """What the window pulls: the live monitor's snapshots (no alerts in this bench)."""

    def __init__(self, monitor: LiveMonitor) -> None:
        self.monitor = monitor

    def snapshots(self) -> dict[str, StrategySnapshot]:
        return self.monitor.snapshots()

    def active_alerts(self) -> list[Alert]:
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
        self.monitor = LiveMonitor()
        self.monitor.set_feed(FeedState.LIVE)
        self.window: MainWindow | None = None
        self.form: ThresholdsView | None = None
        self.frames = 0
        self.event_cpu_s = 0.0
        self.probe_frames_per_s = 0.0
        self.busy_ms: list[float] = []
        self.frame_wall_ms: list[float] = []
        self.frame_cpu_ms: list[float] = []
        self.refresh_hz = 15
        self._validate = QTimer()
        self._validate.setInterval(250)
        self._validate.timeout.connect(self._validate_now)
        self._equity = np.full(strategies, 1e6)
        self._rng = np.random.default_rng(1)
        self._t0 = datetime.now(UTC) - timedelta(hours=6)

    def _validate_now(self) -> None:
        self.monitor.validate()

    async def start(self) -> None:
        app = QApplication.instance()
        if app is None:
            raise RuntimeError("bench gui needs a QApplication")
        apply_theme(app, "dark")
        for sid in self.ids:
            info = StrategyInfo(
                strategy_id=sid,
                name=sid,
                status=StrategyState.ACTIVE,
                expectations=Expectations(max_drawdown=0.1),
            )
            self.monitor.on_strategy(info)
        self.window = MainWindow(MonitorSource(self.monitor), refresh_hz=self.refresh_hz)
        self.window.resize(2560, 1440)
        self.window.show()
        self.window.timer.timeout.connect(self._count_frame)
        self.form = ThresholdsView(MemoryThresholdRepository(), "bench")
        self.form.resize(1200, 800)
        self.form.show()
        self._validate.start()
        await asyncio.sleep(0.5)
        freeze_startup_heap()

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
        """Deliver `rate` events/s (round-robin over strategies) for `seconds`."""
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
        return EquityEvent.model_construct(
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
        self._validate.stop()
        if self.window is not None:
            self.window.close()
        if self.form is not None:
            self.form.close()
