"""`perfdesk bench soak`: the whole live path for a long time — does memory stay flat?

The simulator (50 strategies, 100 equity samples per second each: 5,000 events/s), in a
process of its own as a real engine is (its replay buffer is not ours to measure), feeds
a backend started as the app starts it (`BackendHost`: engine link, store writer
into a real PostgreSQL, monitor, validator, alerts) while the real main window reads it
at 15 Hz (offscreen). Every 10 s the process's resident memory is sampled; the first
20 % of the run is warm-up (caches, the chart buffers filling). `--minutes N` (or
`PERFDESK_SOAK_MINUTES`) sets the length (default 60, `--quick` 10).

Last line (one JSON object): `rss_mb_start` (after warm-up), `rss_mb_end`, `rss_mb_max`,
`rss_growth_mb_per_h` (least-squares slope after warm-up; target ≤ 20), `events_per_s`,
`events_stored`, `validation_cycle_ms_p50`/`_p99` (target: well inside the 250 ms
period), `minutes`.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

STRATEGIES = 50
PER_STRATEGY_HZ = 100.0
SAMPLE_S = 10.0


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def run(quick: bool = False, minutes: float | None = None) -> dict[str, Any]:
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync
    from PySide6.QtWidgets import QApplication

    if minutes is None:
        minutes = float(os.environ.get("PERFDESK_SOAK_MINUTES") or (10.0 if quick else 60.0))
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([])
    app.setQuitOnLastWindowClosed(False)  # closing the window ends the run, not the loop
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        result: dict[str, Any] = loop.run_until_complete(_soak(minutes))
    return result


async def _soak(minutes: float) -> dict[str, Any]:
    from perfdesk.app import RuntimeSource
    from perfdesk.services.host.backend_host import BackendHost
    from perfdesk.services.host.bootstrap import ensure_database
    from perfdesk.services.store.embedded_db import EmbeddedPostgres
    from perfdesk.views.shell.main_window import MainWindow

    tmp = Path(tempfile.mkdtemp(prefix="perfdesk-soak-"))
    pg = EmbeddedPostgres(tmp / "db", settings={"fsync": "off"})
    admin = await asyncio.to_thread(pg.start)
    host = BackendHost()
    window = None
    try:
        dsn = await ensure_database(admin, "perfdesk_soak", fresh=True)
        sim, url = await _start_simulator()
        try:
            backend = await host.start(dsn, url, data_dir=tmp / "data")
            runtime: Any = backend.runtime
            cycles = _time_cycles(runtime)
            window = MainWindow(RuntimeSource(host), refresh_hz=15)
            window.resize(1920, 1080)
            window.show()
            samples = await _sample(minutes * 60.0)
            events = runtime.source.stats.events
            stored = runtime.writer.stats.written
        finally:
            sim.terminate()
            await sim.wait()
    finally:
        if window is not None:
            window.close()
        await host.stop()
        await asyncio.to_thread(pg.destroy)
        shutil.rmtree(tmp, ignore_errors=True)
    return _report(samples, cycles, events, stored, minutes)


async def _start_simulator() -> tuple[asyncio.subprocess.Process, str]:
    """`perfdesk sim` in its own process; returns it and its URL."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "perfdesk.cli", "sim", "--port", "0",
        "--strategies", str(STRATEGIES), "--rate", str(PER_STRATEGY_HZ), "--seed", "3",
        "--history", "20000",
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    async with asyncio.timeout(120):
        while True:
            line = (await proc.stdout.readline()).decode()
            if not line:
                raise RuntimeError(f"perfdesk sim exited early (code {await proc.wait()})")
            if line.startswith("perfdesk sim: ws://"):
                return proc, line.split()[2]


def _time_cycles(runtime: Any) -> list[float]:
    """Wrap the runtime's validation cycle to record its duration (ms)."""
    durations: list[float] = []
    cycle = runtime.validate_once

    async def timed(now: Any = None) -> Any:
        started = time.perf_counter()
        try:
            return await cycle(now)
        finally:
            durations.append((time.perf_counter() - started) * 1e3)

    runtime.validate_once = timed
    return durations


async def _sample(seconds: float) -> list[tuple[float, float]]:
    start = time.monotonic()
    out = [(0.0, _rss_mb())]
    traced = _Growth.from_environment()
    while (elapsed := time.monotonic() - start) < seconds:
        await asyncio.sleep(min(SAMPLE_S, seconds - elapsed))
        out.append((time.monotonic() - start, _rss_mb()))
        print(f"soak: {out[-1][0]:7.0f} s  rss {out[-1][1]:7.1f} MB", file=sys.stderr, flush=True)
        if traced is not None:
            traced.sample(out[-1][0] >= seconds * 0.2)
    if traced is not None:
        traced.report()
    return out


class _Growth:
    """`PERFDESK_SOAK_TRACE=N`: where memory grows after warm-up (tracemalloc, N frames).

    A diagnostic: tracing slows the live path, so a traced run's figures are not the
    benchmark's. Prints the 25 biggest growths by allocation site to stderr at the end.
    """

    def __init__(self, frames: int) -> None:
        import tracemalloc

        tracemalloc.start(frames)
        self.base: Any = None
        self.types: dict[str, int] = {}

    @classmethod
    def from_environment(cls) -> _Growth | None:
        frames = int(os.environ.get("PERFDESK_SOAK_TRACE", "0") or 0)
        return cls(frames) if frames > 0 else None

    def sample(self, warm: bool) -> None:
        import tracemalloc

        if warm and self.base is None:
            self.base = tracemalloc.take_snapshot()
            self.types = _live_types()

    def report(self) -> None:
        import tracemalloc

        if self.base is None:
            return
        now = tracemalloc.take_snapshot()
        _report_types(self.types, _live_types())
        by_line = now.compare_to(self.base, "lineno")
        total = sum(stat.size_diff for stat in by_line)
        print(f"soak growth: {total / 1e6:+.2f} MB traced in all since warm-up", file=sys.stderr)
        for stat in by_line[:15]:
            print(f"soak growth by line: {stat}", file=sys.stderr)
        diff = now.compare_to(self.base, "traceback")
        for stat in diff[:12]:
            print(
                f"soak growth: {stat.size_diff / 1e6:+8.2f} MB {stat.count_diff:+8d} blocks",
                file=sys.stderr,
            )
            for line in stat.traceback.format()[-12:]:
                print(f"    {line}", file=sys.stderr)


def _report(
    samples: list[tuple[float, float]],
    cycles: list[float],
    events: int,
    stored: int,
    minutes: float,
) -> dict[str, Any]:
    t = np.array([s[0] for s in samples])
    rss = np.array([s[1] for s in samples])
    after = t >= t[-1] * 0.2
    slope_per_s = float(np.polyfit(t[after], rss[after], 1)[0]) if after.sum() >= 2 else 0.0
    return {
        "minutes": minutes,
        "strategies": STRATEGIES,
        "events_per_s": round(events / max(1.0, t[-1])),
        "events_stored": stored,
        "rss_mb_start": round(float(rss[after][0]), 1),
        "rss_mb_end": round(float(rss[-1]), 1),
        "rss_mb_max": round(float(rss.max()), 1),
        "rss_growth_mb_per_h": round(slope_per_s * 3600.0, 1),
        "validation_cycle_ms_p50": round(float(np.percentile(cycles, 50)), 2) if cycles else None,
        "validation_cycle_ms_p99": round(float(np.percentile(cycles, 99)), 2) if cycles else None,
        "loadavg_1m": round(os.getloadavg()[0], 1),
    }


def _live_types() -> dict[str, int]:
    import gc
    from collections import Counter

    gc.collect()
    return dict(Counter(type(o).__qualname__ for o in gc.get_objects()))


def _report_types(before: dict[str, int], after: dict[str, int]) -> None:
    """The object types whose live count grew most, and who holds the newest of each."""
    import gc

    grown = sorted(after, key=lambda k: after[k] - before.get(k, 0), reverse=True)[:12]
    for name in grown:
        print(f"soak objects: {name}: {before.get(name, 0)} -> {after[name]}", file=sys.stderr)
    for name in grown[:6]:
        found = [o for o in gc.get_objects() if type(o).__qualname__ == name]
        if not found:
            continue
        chain, obj = [], found[-1]
        for _ in range(6):
            holders = [
                r
                for r in gc.get_referrers(obj)
                if r is not found and not isinstance(r, type(sys._getframe()))
            ]
            if not holders:
                break
            obj = holders[0]
            chain.append(
                type(obj).__qualname__ + (f"[{len(obj)}]" if hasattr(obj, "__len__") else "")
            )
        print(f"soak held: {name} <- {' <- '.join(chain)}", file=sys.stderr)
