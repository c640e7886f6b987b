"""`perfdesk bench ingest`: events/s from the socket through validation into PostgreSQL.

The simulator runs in its own process (`perfdesk sim`, the other core) and first
produces N events into its history; then the timed phases replay them over loopback:

1. socket -> validation: EngineClient (batch frames) into an in-memory handler;
2. the same with plain v1 single frames (one message per event), for reference;
3. end to end: EngineClient -> StoreWriter -> Store.write_events (COPY, idempotent on
   (strategy_id, seq), rollups in the same transaction) until every event is stored.

Baseline in the same run: asyncpg `copy_records_to_table` of the same rows (the same
5,000-event batches) into bare tables with the same columns = the raw COPY ceiling;
`ratio` = end-to-end events/s ÷ ceiling rows/s. Quick mode: 100,000 events; full: 1 M.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

import asyncpg

from perfdesk.bench._harness import temporary_database
from perfdesk.domain.events import DataEvent, StrategyInfo
from perfdesk.domain.status import FeedState
from perfdesk.services.engine_client import EngineClient
from perfdesk.services.engine_recorder import RecordingHandler
from perfdesk.services.store import Store, event_rows
from perfdesk.services.store_writer import StoreWriter

BATCH_EVENTS = 5_000
STRATEGIES = 4
_BARE_TABLES = {
    "equity": "strategy_id text, seq bigint, ts timestamptz, equity float8,"
    " realized_pnl float8, unrealized_pnl float8, position_value float8",
    "fills": "strategy_id text, seq bigint, ts timestamptz, order_id text, symbol text,"
    " side text, qty float8, price float8, fee float8, expected_price float8",
    "statuses": "strategy_id text, seq bigint, ts timestamptz, status text, reason text",
}


def run(quick: bool) -> dict[str, Any]:
    return asyncio.run(_run(100_000 if quick else 1_000_000, quick))


async def _run(events: int, quick: bool) -> dict[str, Any]:
    proc, url, produced = await _start_simulator(events)
    try:
        socket_rate, socket_cpu = await _socket_only(url, produced, batch=256)
        single_rate, single_cpu = await _socket_only(url, produced, batch=1)
        async with temporary_database("perfdesk_bench_ingest") as dsn:
            e2e_rate, seen = await _end_to_end(url, dsn, produced)
            ceiling = await _copy_ceiling(dsn, seen)
    finally:
        proc.terminate()
        await proc.wait()
    return {
        "quick": quick,
        "events": produced,
        "strategies": STRATEGIES,
        "events_per_s": round(e2e_rate),
        "copy_ceiling_rows_per_s": round(ceiling),
        "ratio": round(e2e_rate / ceiling, 3),
        "socket_validation_events_per_s": round(socket_rate),
        "socket_validation_single_frames_per_s": round(single_rate),
        "socket_validation_events_per_cpu_s": round(socket_cpu),
        "socket_validation_single_frames_per_cpu_s": round(single_cpu),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "path": "loopback ws, batch frames of 256, pydantic validation, StoreWriter COPY "
        "batches of 5,000, embedded PostgreSQL (fsync off); simulator in its own process",
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
    """Client -> StoreWriter, keeping the events for the COPY baseline."""

    def __init__(self, store: Store, writer: StoreWriter, expected: int) -> None:
        self.store, self.writer, self.expected = store, writer, expected
        self.seen: list[DataEvent] = []
        self.all_seen = asyncio.Event()

    async def on_strategy(self, info: StrategyInfo) -> None:
        await self.store.upsert_strategy(info)

    async def on_event(self, event: DataEvent) -> None:
        self.seen.append(event)
        await self.writer.put(event)
        if len(self.seen) >= self.expected:
            self.all_seen.set()

    async def on_events(self, events: list[DataEvent]) -> None:
        self.seen.extend(events)
        await self.writer.put_many(events)
        if len(self.seen) >= self.expected:
            self.all_seen.set()

    async def on_dead_letter(self, raw: str | bytes, reason: str) -> None:
        await self.store.add_dead_letter(raw, reason)

    def on_state(self, state: FeedState) -> None:
        return None


async def _end_to_end(url: str, dsn: str, events: int) -> tuple[float, list[DataEvent]]:
    store = await Store.open(dsn)
    try:
        writer = StoreWriter(store, batch_size=BATCH_EVENTS)
        writer.start()
        handler = _StoreHandler(store, writer, events)
        client = EngineClient(url, handler, resume=store.last_seqs, batch=256)
        t0 = time.perf_counter()
        task = asyncio.create_task(client.run())
        await asyncio.wait_for(handler.all_seen.wait(), 1800)
        await writer.flush()
        spent = time.perf_counter() - t0
        await client.stop()
        await task
        await writer.aclose()
        stored = await store.count_events()
        if stored != events:
            raise RuntimeError(f"{stored} events stored, expected {events}")
    finally:
        await store.close()
    return events / spent, handler.seen


async def _copy_ceiling(dsn: str, events: Sequence[DataEvent]) -> float:
    """Rows/s of raw COPY of the same rows, same batches, into bare tables."""
    conn = await asyncpg.connect(dsn)
    try:
        for kind, cols in _BARE_TABLES.items():
            await conn.execute(f"CREATE TABLE bare_{kind} ({cols})")
        rows = spent = 0.0
        for i in range(0, len(events), BATCH_EVENTS):
            by_kind, _ = event_rows(events[i : i + BATCH_EVENTS])
            t0 = time.perf_counter()
            for kind, records in by_kind.items():
                if records:
                    await conn.copy_records_to_table(f"bare_{kind}", records=records)
            spent += time.perf_counter() - t0
            rows += sum(len(r) for r in by_kind.values())
        for kind in _BARE_TABLES:
            with contextlib.suppress(asyncpg.PostgresError):
                await conn.execute(f"DROP TABLE bare_{kind}")
        return rows / spent
    finally:
        await conn.close()
