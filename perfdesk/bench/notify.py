"""`perfdesk bench notify`: change-to-client latency with 5 desktop clients on one database.

Five client-mode runtimes, each on its own loop thread (as five desktops would run
their backends), watch one database. The bench makes changes one at a time, the way
the collector and other desktops do — an alert row written through AlertStore (fired,
then acknowledged), a threshold version saved through ConfigStore, and a silence stored
as a desktop stores one — and measures, per client, from just before the change is
written to the moment that client has re-read it and published it (LiveView alerts /
its threshold cache / its silences in force).

Baseline in the same run: five plain asyncpg LISTEN connections on the same server,
from `pg_notify` to the listener callback (the floor any client can reach).
Keys: `notify_ms_p50`, `notify_ms_p99` (target <= 250; all kinds), `alert_ms_p99`,
`thresholds_ms_p99`, `silence_ms_p99`, `raw_notify_ms_p99`, `ratio` (= notify p99 / raw p99).
"""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import numpy as np

from perfdesk.bench._harness import temporary_database
from perfdesk.domain.alerts import Alert, AlertChange, AlertEvent, AlertState, Silence
from perfdesk.domain.snapshot import LiveView
from perfdesk.domain.status import Status
from perfdesk.domain.thresholds import DrawdownThresholds, Thresholds
from perfdesk.services.alerts.store import AlertStore, ensure_schema
from perfdesk.services.client.mode import ClientRuntime
from perfdesk.services.store.config_store import ConfigStore
from perfdesk.services.store.store import Store
from perfdesk.services.support.loop_thread import LoopThread

CLIENTS = 5


class _Probe(ClientRuntime):
    """A client runtime that notes when it first published what the bench waits for."""

    def __init__(self, store: Store, dsn: str) -> None:
        super().__init__(store, dsn)
        self.want: tuple[str, Any] | None = None
        self.seen_at: float | None = None
        self.seen = threading.Event()
        self.threshold_listeners.append(self._on_thresholds)

    def publish(self) -> LiveView:
        view = super().publish()
        if self.want is not None and self.want[0] == "alert" and self.seen_at is None:
            fp, acked = self.want[1]
            alert = self.alerts.get(fp)
            if alert is not None and (alert.acked_at is not None) == acked:
                self._hit()
        want = self.want
        waiting = want is not None and want[0] == "silence" and self.seen_at is None
        if waiting and want is not None and any(s.id == want[1] for s in self.alerts.silences()):
            self._hit()
        return view

    def _on_thresholds(self, scopes: list[str]) -> None:
        want = self.want
        waiting = want is not None and want[0] == "thresholds" and self.seen_at is None
        if waiting and want is not None and self.thresholds.version(want[1]) >= 1:
            self._hit()

    def _hit(self) -> None:
        self.seen_at = time.perf_counter()
        self.seen.set()

    def expect(self, kind: str, what: Any) -> None:
        self.seen_at, self.want = None, (kind, what)
        self.seen.clear()


def run(quick: bool) -> dict[str, Any]:
    return asyncio.run(_run(40 if quick else 300))


async def _run(changes: int) -> dict[str, Any]:
    async with temporary_database("perfdesk_bench_notify") as dsn:
        store = await Store.open(dsn)
        try:
            await ensure_schema(store.pool)  # the alerts block, as the collector applies it
            raw = await _raw_baseline(dsn, changes)
            alert_ms, threshold_ms, silence_ms = await _clients(dsn, store, changes)
        finally:
            await store.close()
    both = alert_ms + threshold_ms + silence_ms
    p99 = _pct(both, 99)
    return {
        "clients": CLIENTS,
        "changes": 4 * changes,
        "samples": len(both),
        "notify_ms_p50": _pct(both, 50),
        "notify_ms_p99": p99,
        "alert_ms_p99": _pct(alert_ms, 99),
        "thresholds_ms_p99": _pct(threshold_ms, 99),
        "silence_ms_p99": _pct(silence_ms, 99),
        "raw_notify_ms_p50": _pct(raw, 50),
        "raw_notify_ms_p99": _pct(raw, 99),
        "ratio": p99 / max(_pct(raw, 99), 1e-9),
        "target_ms_p99": 250.0,
    }


def _pct(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)), 2) if values else float("nan")


async def _clients(
    dsn: str, store: Store, changes: int
) -> tuple[list[float], list[float], list[float]]:
    threads = [LoopThread(f"bench-client-{i}") for i in range(CLIENTS)]
    probes: list[_Probe] = []
    try:
        for thread in threads:
            probes.append(await thread.acall(_start_probe(dsn)))
        alerts = AlertStore(store.pool)
        config = ConfigStore(store)
        alert_ms: list[float] = []
        threshold_ms: list[float] = []
        silence_ms: list[float] = []
        for i in range(changes):
            fp = Alert.fingerprint_of(f"s{i % 20}", f"rule{i}")
            for acked in (False, True):
                alert_ms += await _measure(probes, "alert", (fp, acked),
                                           alerts.write([_event(fp, i, acked)]))  # fmt: skip
            scope = f"s{i}"
            th = Thresholds(drawdown=DrawdownThresholds(warning_ratio=1.0, critical_ratio=2.0))
            threshold_ms += await _measure(
                probes, "thresholds", scope, config.save(scope, th, "bench")
            )
            silence = _silence(i)
            silence_ms += await _measure(probes, "silence", silence.id, alerts.add_silence(silence))
        return alert_ms, threshold_ms, silence_ms
    finally:
        for thread, probe in zip(threads, probes, strict=False):
            await thread.acall(_stop_probe(probe))
        for thread in threads:
            thread.close()


async def _measure(probes: list[_Probe], kind: str, what: Any, change: Any) -> list[float]:
    for probe in probes:
        probe.expect(kind, what)
    t0 = time.perf_counter()
    await change
    for probe in probes:
        if not await asyncio.to_thread(probe.seen.wait, 10.0):
            raise TimeoutError(f"a client never saw {kind} {what}")
    return [((p.seen_at or t0) - t0) * 1000.0 for p in probes]


async def _start_probe(dsn: str) -> _Probe:
    store = await Store.open(dsn, min_size=1, max_size=3)
    probe = _Probe(store, dsn)
    await probe.start()
    return probe


async def _stop_probe(probe: _Probe) -> None:
    await probe.stop()
    await probe.store.close()


def _silence(i: int) -> Silence:
    now = datetime.now(UTC)
    return Silence(id=f"bench-{i}", strategy_id=f"s{i % 20}", created_by="bench",
                   created_at=now, expires_at=now + timedelta(hours=1))  # fmt: skip


def _event(fp: str, i: int, acked: bool) -> AlertEvent:
    now = datetime.now(UTC)
    sid, rule = fp.split("/")
    alert = Alert(
        fingerprint=fp, strategy_id=sid, rule=rule, severity=Status.CRITICAL,
        state=AlertState.FIRING, message=f"bench breach {i}", started_at=now, updated_at=now,
        fired_at=now, acked_by="bench" if acked else None, acked_at=now if acked else None,
    )  # fmt: skip
    change = AlertChange.ACKED if acked else AlertChange.FIRED
    return AlertEvent(alert=alert, change=change, ts=now)


async def _raw_baseline(dsn: str, changes: int) -> list[float]:
    """pg_notify -> asyncpg listener callback, five listeners on their own connections."""
    loop = asyncio.get_running_loop()
    got: list[asyncio.Future[float]] = []

    def on_notify(*_args: object) -> None:
        for fut in got:
            if not fut.done():
                fut.set_result(time.perf_counter())
                return

    listeners = [await asyncpg.connect(dsn) for _ in range(CLIENTS)]
    sender = await asyncpg.connect(dsn)
    samples: list[float] = []
    try:
        for conn in listeners:
            await conn.add_listener("perfdesk_bench", on_notify)
        for i in range(changes * 2):
            got = [loop.create_future() for _ in listeners]
            t0 = time.perf_counter()
            await sender.execute("SELECT pg_notify('perfdesk_bench', $1)", str(i))
            samples += [(t - t0) * 1000.0 for t in await asyncio.gather(*got)]
    finally:
        for conn in (*listeners, sender):
            await conn.close()
    return samples
