"""The ingest bench's yardsticks: how fast the database alone takes the same rows.

`same_tables` is the ceiling `ratio` divides by: the rows the end-to-end run stored, in
batches of CEILING_BATCH rows (whatever the writer's batch size: a yardstick that
followed it would reward small batches), pre-encoded (not timed) as the binary COPY
bodies of the live path's columns, then COPYed (timed) one transaction per batch, one
COPY per table, into empty tables created `LIKE` the stored ones `INCLUDING ALL` — same
columns, primary keys, indexes and storage parameters. No validation, no encoding, no
rollups, no resume point: only what any write of those rows into those tables must cost.

`bare_tables` is the earlier yardstick (kept for comparison with older runs): the same
batches COPYed into tables with the same columns but no key or index, encoding included,
with asyncpg's `copy_records_to_table` or with the fast path's numpy binary encoder.
"""

from __future__ import annotations

import contextlib
import struct
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from perfdesk.bench._harness import ServerCpu
from perfdesk.domain.events import DataEvent
from perfdesk.services.store import encode as store_encode
from perfdesk.services.store import sql as store_sql
from perfdesk.services.store.event_writes import event_rows

BARE_TABLES = {
    "equity": "strategy_id text, seq bigint, ts timestamptz, equity float8,"
    " realized_pnl float8, unrealized_pnl float8, position_value float8",
    "fills": "strategy_id text, seq bigint, ts timestamptz, order_id text, symbol text,"
    " side text, qty float8, price float8, fee float8, expected_price float8",
    "statuses": "strategy_id text, seq bigint, ts timestamptz, status text, reason text",
}
_NULL = struct.pack(">i", -1)
CEILING_BATCH = 20_000
"""Rows per transaction of the ceiling: about the fastest a bare COPY gets here (same
1 M rows, 3 runs each: 5,000 rows 286k-361k rows/s, 20,000 306k-558k, 40,000 290k-451k)."""


@dataclass(frozen=True)
class Ceiling:
    rows_per_s: float
    postgres_us: float | None  # server CPU per row (None when it cannot be read)


def _field(value: Any, kind: str) -> bytes:
    if value is None:
        return _NULL
    if kind == "text":
        data = str(value).encode()
    elif kind == "bigint":
        data = struct.pack(">q", value)
    elif kind == "float8":
        data = struct.pack(">d", value)
    else:  # timestamptz
        data = struct.pack(">q", (value - store_encode.PG_EPOCH) // store_encode._US)
    return struct.pack(">i", len(data)) + data


def copy_body(rows: Sequence[tuple[Any, ...]], kinds: Sequence[str]) -> bytes:
    """The binary COPY stream of `rows` (column types `kinds`, store_sql.STAGE_TYPES)."""
    parts = [store_encode.COPY_HEADER]
    count = struct.pack(">h", len(kinds))
    for row in rows:
        parts.append(count)
        parts.extend(_field(v, k) for v, k in zip(row, kinds, strict=True))
    parts.append(store_encode.COPY_TRAILER)
    return b"".join(parts)


def _pre_encode(events: Sequence[DataEvent], batch: int) -> list[dict[str, bytes]]:
    bodies = []
    for i in range(0, len(events), batch):
        rows, _ = event_rows(events[i : i + batch])
        bodies.append({k: copy_body(r, store_sql.STAGE_TYPES[k]) for k, r in rows.items() if r})
    return bodies


async def same_tables(dsn: str, events: Sequence[DataEvent], batch: int = CEILING_BATCH) -> Ceiling:
    """Pre-encoded rows, binary COPY, tables like the stored ones (module docstring)."""
    bodies = _pre_encode(events, batch)
    conn = await asyncpg.connect(dsn)
    try:
        for kind in store_sql.STAGE_COLUMNS:
            await conn.execute(f"CREATE TABLE ceiling_{kind} (LIKE {kind} INCLUDING ALL)")
        server = await ServerCpu.of(conn)
        s0, t0 = server.seconds(), time.perf_counter()
        for body in bodies:
            async with conn.transaction():
                for kind, data in body.items():
                    await conn.copy_to_table(
                        f"ceiling_{kind}",
                        source=memoryview(data),
                        columns=store_sql.STAGE_COLUMNS[kind],
                        format="binary",
                    )
        spent, s1 = time.perf_counter() - t0, server.seconds()
        await _drop(conn, "ceiling")
    finally:
        await conn.close()
    pg = None if s0 is None or s1 is None else round((s1 - s0) / len(events) * 1e6, 2)
    return Ceiling(len(events) / spent, pg)


async def bare_tables(dsn: str, events: Sequence[DataEvent], batch: int, encoder: str) -> float:
    """Rows/s into key-less tables, encoding included: `encoder` "records" (asyncpg's
    `copy_records_to_table`) or "numpy" (the fast path's binary encoder)."""
    conn = await asyncpg.connect(dsn)
    try:
        for kind, cols in BARE_TABLES.items():
            await conn.execute(f"CREATE TABLE bare_{kind} ({cols})")
        rows = spent = 0.0
        for i in range(0, len(events), batch):
            part = events[i : i + batch]
            t0 = time.perf_counter()
            if encoder == "records":
                by_kind, _ = event_rows(part)
                n = sum(len(r) for r in by_kind.values())
            else:
                encoded = store_encode.encode(part)
                n = len(encoded)
                by_kind = {"fills": encoded.fills, "statuses": encoded.statuses}
                if len(encoded.eq_seq):
                    data = memoryview(store_encode.equity_copy_data(encoded))
                    await conn.copy_to_table("bare_equity", source=data, format="binary")
            for kind, records in by_kind.items():
                if records:
                    await conn.copy_records_to_table(f"bare_{kind}", records=records)
            spent += time.perf_counter() - t0
            rows += n
        await _drop(conn, "bare")
        return rows / spent
    finally:
        await conn.close()


async def _drop(conn: Any, prefix: str) -> None:
    for kind in store_sql.STAGE_COLUMNS:
        with contextlib.suppress(asyncpg.PostgresError):
            await conn.execute(f"DROP TABLE {prefix}_{kind}")
