"""`perfdesk bench chaos`: the live runtime under injected faults — does it keep judging?

A Runtime on its own embedded PostgreSQL watches the simulator while faults are
injected on a schedule: database restarts (during verdict changes: one strategy breaks
early), engine disconnects, valid-but-hostile frames (far-future times, seq jumps,
unannounced strategies) and a killed validation task. A sampler checks every 50 ms
whether a validation cycle completed within its period × 3. At the end the engine is
paused, everything is flushed, and the database is compared with what the engine sent.

Last line (one JSON object): `faults_injected`, `validator_alive_share` (outside the
task-kill window; target 1.0), `system_alert_after_kill_s` (target ≤ 2),
`max_validation_gap_s` (outside the kill window), `events_lost`, `events_duplicated`,
`alerts_lost` (targets 0), and the fault counts.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from perfdesk.bench._harness import wait_until
from perfdesk.domain.alerts import AlertState
from perfdesk.services.engine.source import SourceConfig
from perfdesk.services.engine.sources import open_source
from perfdesk.services.host.bootstrap import ensure_database
from perfdesk.services.runtime.health import SYSTEM_ID
from perfdesk.services.runtime.local import Runtime
from perfdesk.services.store.embedded_db import EmbeddedPostgres
from perfdesk.services.store.store import Store
from perfdesk.services.support.loop_thread import LoopThread
from perfdesk.sim.archetypes import Archetype, StrategySpec
from perfdesk.sim.server import Simulator

PERIOD_S = 0.25


@dataclass
class Schedule:
    """Seconds from the start at which each fault is injected."""

    db_restarts: list[float]
    db_down_s: float
    disconnects: list[float]
    hostile: list[float]
    kill_at: float
    duration_s: float


@dataclass
class Observed:
    alive: int = 0
    samples: int = 0
    max_gap_s: float = 0.0
    kill_window: tuple[float, float] | None = None
    alert_after_kill_s: float | None = None
    faults: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str) -> None:
        self.faults[kind] = self.faults.get(kind, 0) + 1


def _schedule(quick: bool) -> Schedule:
    if quick:
        return Schedule([6.0], 3.0, [12.0], [14.0], 18.0, 30.0)
    return Schedule([8.0, 40.0, 75.0], 4.0, [20.0, 55.0, 90.0], [25.0, 60.0], 100.0, 120.0)


def _specs() -> list[StrategySpec]:
    """Healthy strategies and one that breaks early (verdict changes during outages)."""
    specs = [StrategySpec(f"healthy-{i}", f"Healthy {i}", Archetype.HEALTHY) for i in range(4)]
    specs.append(
        StrategySpec("breaks", "Breaks", Archetype.BREAK, change_at_s=300.0, crash_samples=3)
    )
    return specs


def _hostile_frames(last: dict[str, int]) -> list[bytes]:
    sid, seq = "healthy-0", last.get("healthy-0", 0)
    now = datetime.now(UTC).isoformat()

    def eq(s: str, q: int, ts: str) -> bytes:
        return orjson.dumps(
            {
                "type": "equity",
                "strategy_id": s,
                "seq": q,
                "ts": ts,
                "equity": 1e15,
                "realized_pnl": 0.0,
                "unrealized_pnl": 0.0,
                "position_value": 0.0,
            }
        )

    frames = [eq(sid, seq + 1, "9999-12-31T23:59:59Z"), eq(sid, 2**62, now)]
    frames += [eq(f"ghost-{i}", 1, now) for i in range(5)]
    return frames


async def _sample(runtime: Runtime, obs: Observed, stop: asyncio.Event) -> None:
    limit = 3 * PERIOD_S
    start = time.monotonic()
    while not stop.is_set():
        now = time.monotonic()
        gap = now - runtime.last_cycle_at
        window = obs.kill_window
        in_kill = window is not None and window[0] <= now - start <= window[1]
        if not in_kill:
            obs.samples += 1
            obs.alive += gap <= limit
            obs.max_gap_s = max(obs.max_gap_s, gap)
        await asyncio.sleep(0.05)


async def _kill_validator(runtime: Runtime, obs: Observed, t0: float) -> None:
    """The validation task fails (a bug), for one second; the supervisor restarts it."""
    real = runtime.monitor.validate

    def broken(now: datetime | None = None) -> Any:
        raise RuntimeError("chaos: the validation task was killed")

    killed_at = time.monotonic()
    obs.kill_window = (killed_at - t0, float("inf"))  # until the restart is seen
    runtime.monitor.validate = broken  # type: ignore[method-assign]
    obs.count("task_kill")

    def firing() -> bool:
        return any(
            a.strategy_id == SYSTEM_ID and a.state is AlertState.FIRING
            for a in runtime.alerts.published
        )

    await wait_until(firing, 10.0, "a system alert after the task kill")
    obs.alert_after_kill_s = time.monotonic() - killed_at
    await asyncio.sleep(1.0)
    runtime.monitor.validate = real  # type: ignore[method-assign]
    await wait_until(
        lambda: time.monotonic() - runtime.last_cycle_at < PERIOD_S * 2, 30.0, "the restart"
    )
    obs.kill_window = (killed_at - t0, time.monotonic() - t0 + 3 * PERIOD_S)


async def _inject(
    runtime: Runtime, sim: Any, sim_call: Any, pg: EmbeddedPostgres, *, s: Schedule, obs: Observed
) -> None:
    t0 = time.monotonic()
    events = sorted(
        [(t, "db") for t in s.db_restarts]
        + [(t, "drop") for t in s.disconnects]
        + [(t, "hostile") for t in s.hostile]
        + [(s.kill_at, "kill")]
    )
    for at, kind in events:
        await asyncio.sleep(max(0.0, at - (time.monotonic() - t0)))
        if kind == "db":
            await asyncio.to_thread(pg.stop)
            await asyncio.sleep(s.db_down_s)
            await asyncio.to_thread(pg.start)
            obs.count("db_restart")
        elif kind == "drop":
            await sim_call(sim.drop_connections)
            obs.count("engine_drop")
        elif kind == "hostile":
            source = runtime.source
            assert source is not None
            for raw in _hostile_frames(source.last_seqs):
                await sim_call(lambda raw=raw: sim.inject(raw))
                obs.count("hostile_frame")
        else:
            await _kill_validator(runtime, obs, t0)
    await asyncio.sleep(max(0.0, s.duration_s - (time.monotonic() - t0)))


async def _settle(runtime: Runtime, store: Store, sim: Any, sim_call: Any) -> dict[str, int]:
    await sim_call(sim.pause)
    source = runtime.source
    assert source is not None
    ids = list(sim.strategy_ids)
    await wait_until(
        lambda: all(source.last_seq(i) >= sim.last_seq(i) for i in ids), 120, "every event"
    )
    await runtime.writer.flush()
    await wait_until(lambda: runtime.writer.stats.spooled == 0, 120, "the spool to drain")
    await wait_until(lambda: runtime.verdicts.stats.pending == 0, 60, "verdicts stored")
    await runtime.alert_persistence.flush()
    sent = sum(sim.events(i) for i in ids)
    rows = distinct = 0
    for sid in ids:  # the engine's strategies (hostile ghosts are not the engine's)
        seqs = await store.seqs(sid)
        rows += len(seqs)
        distinct += len(set(seqs))
    stored = {r["fingerprint"] for r in await store.pool.fetch("SELECT fingerprint FROM alerts")}
    in_memory = {a.fingerprint for a in runtime.alerts.published}
    return {
        "events_sent": sent,
        "events_lost": sent - distinct,
        "events_duplicated": rows - distinct,
        "alerts_lost": len(in_memory - stored),
    }


async def _run(quick: bool) -> dict[str, Any]:
    schedule = _schedule(quick)
    tmp = Path(tempfile.mkdtemp(prefix="perfdesk-chaos-"))
    pg = EmbeddedPostgres(tmp / "db", settings={"fsync": "off"})
    admin = await asyncio.to_thread(pg.start)
    obs = Observed()
    try:
        dsn = await ensure_database(admin, "perfdesk_chaos", fresh=True)
        thread = LoopThread("chaos-sim")
        sim = Simulator(strategies=_specs(), rate=100.0, seed=7)

        async def sim_call(fn: Any) -> Any:
            """Run `fn` on the simulator's loop (a coroutine's result awaited)."""

            async def there() -> Any:
                result = fn()
                return await result if asyncio.iscoroutine(result) else result

            return await thread.acall(there())

        try:
            url = await thread.acall(sim.start())
            store = await Store.open(dsn, max_size=4, timeout=2)
            runtime = Runtime(
                store, open_source(SourceConfig(url)), validate_every_s=PERIOD_S,
                spool_dir=tmp / "spool",
            )  # fmt: skip
            await runtime.start()
            stop = asyncio.Event()
            sampler = asyncio.create_task(_sample(runtime, obs, stop))
            try:
                await _inject(runtime, sim, sim_call, pg, s=schedule, obs=obs)
                stop.set()
                await sampler
                totals = await _settle(runtime, store, sim, sim_call)
            finally:
                stop.set()
                await runtime.stop()
                await store.close()
        finally:
            await thread.acall(sim.stop())
            thread.close()
    finally:
        await asyncio.to_thread(pg.destroy)
        shutil.rmtree(tmp, ignore_errors=True)
    share = obs.alive / obs.samples if obs.samples else 0.0
    return {
        "faults_injected": sum(obs.faults.values()),
        "faults": obs.faults,
        "duration_s": schedule.duration_s,
        "validator_alive_share": round(share, 4),
        "max_validation_gap_s": round(obs.max_gap_s, 3),
        "system_alert_after_kill_s": None
        if obs.alert_after_kill_s is None
        else round(obs.alert_after_kill_s, 3),
        **totals,
    }


def run(quick: bool = False) -> dict[str, Any]:
    return asyncio.run(_run(quick))
