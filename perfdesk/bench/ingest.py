"""`perfdesk bench ingest`: events/s from the socket through validation into PostgreSQL.

The simulator runs in its own process (`perfdesk sim`, the other core) and first
produces N events into its history; then the timed phases replay them over loopback:

1. socket -> validation: EngineClient (batch frames) into an in-memory handler;
2. the same with plain v1 single frames (one message per event), for reference;
3. end to end: EngineClient -> StoreWriter -> Store.write_events (COPY, idempotent on
   (strategy_id, seq), rollups in the same transaction) until every event is stored;
4. the app's path: the same through `Pipeline.on_events` (LiveMonitor per event, then
   `StoreWriter.put_many`) into a second fresh database.

Baseline in the same run (perfdesk/bench/_copy_ceiling.py): the database alone taking
the same rows — the stored rows, in batches of 20,000 whatever the writer's,
pre-encoded as binary COPY bodies, COPYed one transaction per batch into empty tables
created LIKE the stored ones (same columns, keys and indexes). `ratio` = end-to-end
events/s ÷ that ceiling's rows/s. The earlier yardsticks (key-less tables, encoding
included, asyncpg's `copy_records_to_table` or the fast path's numpy binary encoder)
are reported too, each with its ratio, to compare with older runs.
CPU seconds per event of this process and of the PostgreSQL server (all its processes,
read from /proc) are reported too: unlike wall-clock rates they barely move with the
load other programs put on the machine. Quick mode: 100,000 events; full: 1 M.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from perfdesk.bench import _copy_ceiling
from perfdesk.bench._harness import ServerCpu, temporary_database
from perfdesk.domain.events import (
    DataEvent,
    EquityEvent,
    FillEvent,
    StatusEvent,
    StrategyInfo,
    unchecked,
)
from perfdesk.domain.status import FeedState, StrategyState
from perfdesk.services.engine.recorder import RecordingHandler
from perfdesk.services.engine.ws_client import EngineClient
from perfdesk.services.host.bootstrap import ensure_database
from perfdesk.services.live.monitor import LiveMonitor
from perfdesk.services.live.pipeline import GC_THRESHOLDS, Pipeline, tune_gc_for_ingest
from perfdesk.services.store.store import Store
from perfdesk.services.store.writer import BATCH_SIZE, PIPELINE_DEPTH, StoreWriter

BATCH_EVENTS = BATCH_SIZE  # the writer's own batches (the ceiling's are fixed: _copy_ceiling)
STRATEGIES = 4


def run(quick: bool) -> dict[str, Any]:
    return asyncio.run(_run(100_000 if quick else 1_000_000, quick))


async def _run(events: int, quick: bool) -> dict[str, Any]:
    tune_gc_for_ingest()  # the policy the collector and the app use
    proc, url, produced = await _start_simulator(events)
    try:
        socket_rate, socket_cpu = await _socket_only(url, produced, batch=256)
        single_rate, single_cpu = await _socket_only(url, produced, batch=1)
        async with temporary_database("perfdesk_bench_ingest") as dsn:
            e2e = await _end_to_end(url, dsn, produced)
            seen = await _stored_events(dsn)
            ceiling = await _copy_ceiling.same_tables(dsn, seen)
            records = await _copy_ceiling.bare_tables(dsn, seen, BATCH_EVENTS, "records")
            binary = await _copy_ceiling.bare_tables(dsn, seen, BATCH_EVENTS, "numpy")
            pipeline_dsn = await ensure_database(dsn, "perfdesk_bench_pipeline", fresh=True)
            pipe = await _end_to_end(url, pipeline_dsn, produced, pipeline=True)
    finally:
        proc.terminate()
        await proc.wait()
    return {
        "quick": quick,
        "events": produced,
        "strategies": STRATEGIES,
        "events_per_s": round(e2e.rate),
        "copy_ceiling_rows_per_s": round(ceiling.rows_per_s),
        "ratio": round(e2e.rate / ceiling.rows_per_s, 3),
        "copy_ceiling_postgres_cpu_us_per_row": ceiling.postgres_us,
        "bare_copy_records_rows_per_s": round(records),
        "bare_copy_numpy_binary_rows_per_s": round(binary),
        "ratio_vs_bare_copy_records": round(e2e.rate / records, 3),
        "ratio_vs_bare_copy_numpy_binary": round(e2e.rate / binary, 3),
        "events_per_s_10_20pct": e2e.flatness and round(e2e.flatness[0]),
        "events_per_s_80_90pct": e2e.flatness and round(e2e.flatness[1]),
        "python_cpu_us_per_event": e2e.python_us,
        "postgres_cpu_us_per_event": e2e.postgres_us,
        "pipeline_events_per_s": round(pipe.rate),
        "pipeline_python_cpu_us_per_event": pipe.python_us,
        "pipeline_postgres_cpu_us_per_event": pipe.postgres_us,
        "socket_validation_events_per_s": round(socket_rate),
        "socket_validation_single_frames_per_s": round(single_rate),
        "socket_validation_events_per_cpu_s": round(socket_cpu),
        "socket_validation_single_frames_per_cpu_s": round(single_cpu),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "gc": f"start-up heap frozen, thresholds {GC_THRESHOLDS}",
        "path": "loopback ws, batch frames of 256 (all-equity ones decoded by msgspec, the others "
        "validated by pydantic), StoreWriter batches "
        f"of {BATCH_EVENTS:,} (numpy binary COPY fast path), embedded PostgreSQL (fsync off); "
        "simulator in its own process",
    }


async def _start_simulator(events: int) -> tuple[asyncio.subprocess.Process, str, int]:
    """`perfdesk sim` in a subprocess; returns once it has produced `events` events."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "perfdesk.cli", "sim", "--port", "0",
        "--strategies", str(STRATEGIES), "--rate", "1000000", "--speedup", "720000",
        "--history", str(events), "--max-events", str(events), "--seed", "1",
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    url = produced = None
    async with asyncio.timeout(600):
        while produced is None:
            line = (await proc.stdout.readline()).decode()
            if not line:
                raise RuntimeError(f"perfdesk sim exited early (code {await proc.wait()})")
            if line.startswith("perfdesk sim: ws://"):
                url = line.split()[2]
            elif line.startswith("perfdesk sim: produced"):
                produced = int(line.split()[3])
    assert url is not None
    return proc, url, produced


async def _socket_only(url: str, events: int, *, batch: int) -> tuple[float, float]:
    """Events per wall second and per CPU second of this process (load-independent)."""
    handler = RecordingHandler(keep_events=False)
    client = EngineClient(url, handler, batch=batch)
    t0, c0 = time.perf_counter(), time.process_time()
    task = asyncio.create_task(client.run())
    await handler.wait_for(lambda: handler.count() >= events, limit_s=600)
    spent, cpu = time.perf_counter() - t0, time.process_time() - c0
    await client.stop()
    await task
    return events / spent, events / cpu


class _StoreHandler:
    """Client -> StoreWriter (the events are not kept: retaining a million pydantic
    objects would make the garbage collector, not the path, the measured cost)."""

    def __init__(self, store: Store, writer: StoreWriter, expected: int) -> None:
        self.store, self.writer, self.expected = store, writer, expected
        self.count = 0
        self.all_seen = asyncio.Event()

    async def on_strategy(self, info: StrategyInfo) -> None:
        await self.store.upsert_strategy(info)

    async def on_events(self, events: Sequence[DataEvent]) -> None:
        await self.writer.put_many(events)
        self._counted(len(events))

    def _counted(self, n: int) -> None:
        self.count += n
        if self.count >= self.expected:
            self.all_seen.set()

    async def on_dead_letter(self, raw: str | bytes, reason: str) -> None:
        await self.store.add_dead_letter(raw, reason)

    def on_state(self, state: FeedState) -> None:
        return None


class _CountingPipeline(Pipeline):
    """The app's Pipeline, noticing when every event has been received."""

    def __init__(self, store: Store, writer: StoreWriter, expected: int) -> None:
        super().__init__(LiveMonitor(), writer, store)
        self.expected, self.count = expected, 0
        self.all_seen = asyncio.Event()

    async def on_events(self, events: Sequence[DataEvent]) -> None:
        await super().on_events(events)
        self._counted(len(events))

    def _counted(self, n: int) -> None:
        self.count += n
        if self.count >= self.expected:
            self.all_seen.set()


@dataclass(frozen=True)
class _Phase:
    rate: float  # events per wall second
    python_us: float  # CPU microseconds of this process per event
    postgres_us: float | None  # of the database server (None when it cannot be read)
    flatness: tuple[float, float] | None  # stored events/s, 2nd and 9th tenth (full run)


class _Progress:
    """Events stored over time (the writer's count, sampled every 10 ms), for the rate
    over the second and the ninth tenth of the run (flatness: does the path slow down as
    the tables grow?). The first tenth holds the start-up and the last the drain after
    the socket is read (the client runs ahead by the writer's queue), so neither is the
    steady path. Stores commit a batch at a time: reported only when a tenth spans two
    batches or more (the full run, not the quick one)."""

    def __init__(self, writer: StoreWriter) -> None:
        self.samples: list[tuple[float, int]] = [(time.perf_counter(), 0)]
        self._task = asyncio.create_task(self._sample(writer))

    async def _sample(self, writer: StoreWriter) -> None:
        while True:
            await asyncio.sleep(0.01)
            self.samples.append((time.perf_counter(), writer.stats.written))

    def stop(self, events: int) -> tuple[float, float] | None:
        self._task.cancel()
        self.samples.append((time.perf_counter(), events))
        if events < 20 * BATCH_EVENTS:
            return None
        return self._rate(events, 0.1, 0.2), self._rate(events, 0.8, 0.9)

    def _rate(self, events: int, start: float, end: float) -> float:
        (t0, n0), (t1, n1) = (
            next((t, n) for t, n in self.samples if n >= events * share) for share in (start, end)
        )
        return (n1 - n0) / (t1 - t0)


async def _end_to_end(url: str, dsn: str, events: int, *, pipeline: bool = False) -> _Phase:
    store = await Store.open(dsn)
    try:
        await store.warm_writes(PIPELINE_DEPTH)  # as LocalRuntime.start does
        writer = StoreWriter(store, batch_size=BATCH_EVENTS)
        writer.start()
        handler: _StoreHandler | _CountingPipeline = (
            _CountingPipeline(store, writer, events)
            if pipeline
            else _StoreHandler(store, writer, events)
        )
        client = EngineClient(url, handler, resume=store.last_seqs, batch=256)
        server = await ServerCpu.of(store.pool)
        t0, c0, s0 = time.perf_counter(), time.process_time(), server.seconds()
        progress = _Progress(writer)
        task = asyncio.create_task(client.run())
        await asyncio.wait_for(handler.all_seen.wait(), 1800)
        await writer.flush()
        spent, cpu = time.perf_counter() - t0, time.process_time() - c0
        flatness = progress.stop(events)
        s1 = server.seconds()
        await client.stop()
        await task
        await writer.aclose()
        stored = await store.count_events()
        if stored != events:
            raise RuntimeError(f"{stored} events stored, expected {events}")
    finally:
        await store.close()
    pg = None if s0 is None or s1 is None else round((s1 - s0) / events * 1e6, 2)
    return _Phase(events / spent, round(cpu / events * 1e6, 2), pg, flatness)


async def _stored_events(dsn: str) -> list[DataEvent]:
    """The stored rows as events again (not timed), in arrival order (ts, strategy, seq)."""
    conn = await asyncpg.connect(dsn)
    try:
        out: list[tuple[Any, DataEvent]] = []
        for r in await conn.fetch("SELECT * FROM equity"):
            out.append(((r["ts"], r["strategy_id"], r["seq"]), unchecked(EquityEvent, **r)))
        for r in await conn.fetch("SELECT * FROM fills"):
            out.append(((r["ts"], r["strategy_id"], r["seq"]), unchecked(FillEvent, **r)))
        for r in await conn.fetch("SELECT * FROM statuses"):
            event = unchecked(StatusEvent, **{**r, "status": StrategyState(r["status"])})
            out.append(((r["ts"], r["strategy_id"], r["seq"]), event))
    finally:
        await conn.close()
    out.sort(key=lambda pair: pair[0])
    return [event for _, event in out]
