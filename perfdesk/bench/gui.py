"""`perfdesk bench gui`: GUI event-loop lag and keystroke feedback under live load.

As in the app, the window (all 20 strategy cards and charts visible, 15 Hz pull)
runs on the qasync loop of the GUI thread and reads only published snapshots; the
real LiveMonitor runs on a backend loop thread, where an in-process feeder delivers
equity events at `rate` events/s spread over 20 strategies (the engine link's own
cost is measured by `bench ingest`), validation runs every 0.25 s and snapshots are
published every 0.05 s. Both threads share one process and its GIL.
Loop lag = how late a 10 ms precise timer fires (timer drift).
Keystroke feedback = from a key event posted to the Thresholds form until that
field has repainted with its validation result. A baseline of the same lag with no
feed is measured first in the same run. `loop_busy_ms_p99` is the GUI thread's own
CPU time between probe ticks: on a busy machine the wall-clock lag also contains time
the OS gave to other processes, this part is ours. `loadavg_1m` says how busy the
machine was. Needs QT_QPA_PLATFORM=offscreen (set here when no display is configured).
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

import numpy as np

STRATEGIES = 20
RATE = 10_000
PROBE_MS = 10


def run(quick: bool) -> dict[str, Any]:
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        result: dict[str, Any] = loop.run_until_complete(_measure(quick))
    return result


async def _measure(quick: bool) -> dict[str, Any]:
    from perfdesk.bench import _gui_rig as rig

    idle_s, load_s, keys = (3.0, 6.0, 60) if quick else (5.0, 20.0, 200)
    bench = rig.Rig(STRATEGIES)
    await bench.start()
    try:
        baseline = await bench.probe_lag(idle_s)
        feeder = asyncio.ensure_future(bench.feed(RATE, load_s + 1.0))
        await asyncio.sleep(0.5)
        bench.frames = 0
        bench.frame_wall_ms.clear()
        bench.frame_cpu_ms.clear()
        cpu0, wall0 = time.thread_time(), time.perf_counter()
        lag_task = asyncio.ensure_future(bench.probe_lag(load_s))
        feedback = await bench.keystrokes(keys, load_s * 0.9 / keys)
        loaded = await lag_task
        frames_per_s = bench.probe_frames_per_s
        share = (time.thread_time() - cpu0) / (time.perf_counter() - wall0)
        sent, elapsed = await feeder
    finally:
        bench.close()
    result = _report(baseline, loaded, feedback, sent / elapsed, frames_per_s)
    event_us = bench.event_cpu_s / max(1, sent) * 1e6
    frame_ms = _p(bench.frame_cpu_ms[1:], 50)
    result |= {
        "event_cpu_us": round(event_us, 1),
        # CPU needed as a share of one core, whatever this machine's load: the GUI thread's
        # for 15 frames/s, and the backend thread's for RATE events/s (monitor only).
        "cpu_demand_share": round(frame_ms * 15 / 1e3, 2),
        "backend_cpu_demand_share": round(event_us * RATE / 1e6, 2),
        "loop_busy_ms_p99": _p(bench.busy_ms, 99),
        "frame_wall_ms_p50": _p(bench.frame_wall_ms[1:], 50),
        "frame_cpu_ms_p50": _p(bench.frame_cpu_ms[1:], 50),
        "frame_cpu_ms_p99": _p(bench.frame_cpu_ms[1:], 99),
        "gui_thread_cpu_share": round(share, 2),
        "loadavg_1m": round(os.getloadavg()[0], 1),
        "cpus": os.cpu_count(),
    }
    return result


def _p(values: list[float], q: float) -> float:
    return round(float(np.percentile(np.asarray(values), q)), 2) if values else float("nan")


def _report(
    baseline: list[float], loaded: list[float], feedback: list[float], rate: float, fps: float
) -> dict[str, Any]:
    lag99, base99 = _p(loaded, 99), _p(baseline, 99)
    return {
        "strategies": STRATEGIES,
        "events_per_s": round(rate),
        "loop_lag_ms_p50": _p(loaded, 50),
        "loop_lag_ms_p99": lag99,
        "loop_lag_ms_max": round(max(loaded), 2) if loaded else float("nan"),
        "baseline_loop_lag_ms_p99": base99,
        "ratio": round(lag99 / base99, 2) if base99 > 0 else None,
        "keystroke_feedback_ms_p50": _p(feedback, 50),
        "keystroke_feedback_ms_p99": _p(feedback, 99),
        "keystrokes": len(feedback),
        "window_frames_per_s": round(fps, 1),
        "window_target_hz": 15,
    }
