"""`perfdesk bench storage`: load months of samples, compare with the raw COPY ceiling.

Full mode: 6 months of 1-second equity samples for one strategy (~15.7 M rows) plus
6 months of 1-minute data for 50 strategies (~13.1 M rows, 1 in 20 a fill), loaded
through `StoreWriter` -> `Store.write_events` (idempotent COPY + rollups in the same
transaction) on an embedded server with durable defaults (fsync on). Baseline in the
same run: asyncpg `copy_records_to_table` of the same rows into a bare table (no keys,
no rollups) = the raw COPY ceiling; `ratio` = load rows/s / ceiling rows/s. Then the
time to read the 1-second strategy's 6 months of rollups (1-minute bars, and 1-day).
Then the compaction job (store/compaction.py, migration 0603) packs every loaded day
into segments, timed (`compact_rows_per_s`), and the sizes and reads are measured again
(`bench/storage_figures.py`: `bytes_per_row` after, `bytes_per_row_uncompacted` before).
Quick mode (< 60 s): 12 hours of 1-second samples + 6 hours of 1-minute data for 50
strategies, no VACUUM before the reads.

Event generation is not timed (only put + write). Also home of `synthetic_events`,
the deterministic event generator the storage tests use.
"""

from __future__ import annotations

import asyncio
import math
import os
import random
import shutil
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import asyncpg
import numpy as np

from perfdesk.bench import storage_figures
from perfdesk.domain.events import DataEvent, EquityEvent, FillEvent, StatusEvent, unchecked
from perfdesk.domain.status import StrategyState
from perfdesk.services.store.embedded_db import EmbeddedPostgres
from perfdesk.services.store.event_writes import event_rows
from perfdesk.services.store.store import Store
from perfdesk.services.store.writer import StoreWriter

EPOCH = datetime(2026, 1, 5, tzinfo=UTC)


def synthetic_events(
    strategy_id: str,
    count: int,
    *,
    start: datetime = EPOCH,
    step_s: float = 1.0,
    fill_every: int = 10,
    status_every: int = 0,
    first_seq: int = 1,
    seed: int = 0,
) -> Iterator[DataEvent]:
    """`count` events with consecutive seqs: equity samples every `step_s` seconds, every
    `fill_every`-th a fill (with slippage) and every `status_every`-th a status."""
    rng = random.Random(f"{strategy_id}:{seed}")
    equity = 1_000_000.0
    for i in range(count):
        seq = first_seq + i
        ts = start + timedelta(seconds=(seq - 1) * step_s)
        if status_every and seq % status_every == 0:
            yield StatusEvent(strategy_id=strategy_id, seq=seq, ts=ts, status=StrategyState.ACTIVE)
        elif fill_every and seq % fill_every == 0:
            yield _fill(strategy_id, seq, ts, rng)
        else:
            equity *= math.exp(rng.gauss(0.0, 0.0005))
            yield EquityEvent(
                strategy_id=strategy_id,
                seq=seq,
                ts=ts,
                equity=equity,
                realized_pnl=equity - 1_000_000.0,
                unrealized_pnl=rng.uniform(-50, 50),
                position_value=rng.uniform(0, 1e5),
            )


_SIDES: tuple[Literal["buy", "sell"], ...] = ("buy", "sell")


def _fill(strategy_id: str, seq: int, ts: datetime, rng: random.Random) -> FillEvent:
    expected = 100.0 + rng.uniform(-1, 1)
    side = rng.choice(_SIDES)
    return FillEvent(
        strategy_id=strategy_id, seq=seq, ts=ts, order_id=f"o{seq}", symbol="ES",
        side=side, qty=float(rng.randint(1, 10)), price=expected * (1 + rng.gauss(0, 2e-4)),
        fee=0.5, expected_price=expected,
    )  # fmt: skip


def interleaved(strategies: dict[str, int], total: int, **kw: object) -> Iterator[DataEvent]:
    """Events of several strategies, round-robin, each from its seq after `strategies[id]`
    up to `total` (what an engine replays after a resume)."""
    streams = [
        synthetic_events(sid, total - last, first_seq=last + 1, **kw)  # type: ignore[arg-type]
        for sid, last in strategies.items()
        if last < total
    ]
    while streams:
        for stream in list(streams):
            event = next(stream, None)
            if event is None:
                streams.remove(stream)
            else:
                yield event


async def ingest_worker(
    dsn: str,
    spool_dir: str,
    strategy_ids: list[str],
    total: int,
    *,
    pause_every: int = 100,
    pause_s: float = 0.01,
    limit: int | None = None,
) -> None:
    """A minimal collector for the kill tests: resume from max(stored, spooled) seq, put
    the rest through a spooling StoreWriter, close cleanly. Prints "ready" once resumed.

    With `limit`, only that many events are put in this life; then the worker waits
    (writing what it has) until it is killed — so how much one life stores does not
    depend on how fast the machine is."""
    from perfdesk.services.store.spool import Spool, merge_resume

    store = await Store.open(dsn, max_size=2, timeout=5)
    spool = Spool(Path(spool_dir))
    merged = merge_resume(await store.last_seqs(), spool.last_seqs())
    resume = {s: merged.get(s, 0) for s in strategy_ids}
    writer = StoreWriter(store, spool=spool, batch_size=500, max_delay_s=0.01, retry_max_s=0.5)
    writer.start()
    print("ready", flush=True)
    for n, event in enumerate(interleaved(resume, total, fill_every=5, status_every=41)):
        if limit is not None and n >= limit:
            await asyncio.Event().wait()  # until SIGKILL
        await writer.put(event)
        if n % pause_every == 0:  # at most pause_every / pause_s events/s: a steady feed
            await asyncio.sleep(pause_s)
    await writer.aclose()
    spool.close()
    await store.close()


# -- the benchmark ------------------------------------------------------------------

DAY_S = 86_400
HALF_YEAR_DAYS = 182.5
CHUNK = 50_000
CHUNK_QUICK = 5_000
CEILING_SAMPLE_ROWS = 2_000_000


def run(quick: bool) -> dict[str, Any]:
    """Run the benchmark; returns its figures (last JSON line of `perfdesk bench`)."""
    days_1s, days_1m = (0.5, 0.25) if quick else (HALF_YEAR_DAYS, HALF_YEAR_DAYS)
    return asyncio.run(_run(int(days_1s * DAY_S), int(days_1m * 1440), quick))


def _equity_rows(sid: str, first_seq: int, count: int, step_s: float, seed: int) -> list[Any]:
    """`count` equity events (model_construct: generation is not what is measured)."""
    rng = np.random.default_rng(seed)
    equity = 1e6 * np.exp(np.cumsum(rng.normal(0, 2e-4, count)))
    base = EPOCH.timestamp()
    out: list[Any] = []
    for i in range(count):
        seq = first_seq + i
        out.append(
            unchecked(
                EquityEvent,
                type="equity",
                strategy_id=sid,
                seq=seq,
                ts=datetime.fromtimestamp(base + (seq - 1) * step_s, UTC),
                equity=float(equity[i]),
                realized_pnl=float(equity[i] - 1e6),
                unrealized_pnl=0.0,
                position_value=5e5,
            )
        )
    return out


def _minute_chunk(strategies: int, minute0: int, minutes: int, seed: int) -> list[Any]:
    """`minutes` of 1-minute data for each strategy, time-interleaved as a feed would be."""
    out: list[Any] = []
    for m in range(minute0, minute0 + minutes):
        for k in range(strategies):
            seq = m + 1
            ts = EPOCH + timedelta(minutes=m)
            if seq % 20 == 0:
                out.append(_fill(f"m{k:02d}", seq, ts, random.Random(seed * 7919 + seq)))
            else:
                out.append(
                    unchecked(
                        EquityEvent,
                        type="equity",
                        strategy_id=f"m{k:02d}",
                        seq=seq,
                        ts=ts,
                        equity=1e6 + 10.0 * ((seq * 7 + k) % 101),
                        realized_pnl=0.0,
                        unrealized_pnl=0.0,
                        position_value=0.0,
                    )
                )
    return out


async def _load(writer: StoreWriter, chunks: Iterator[list[Any]]) -> list[tuple[int, float]]:
    """Put every chunk through the writer; returns (events, seconds in put+write) per chunk."""
    spent: list[tuple[int, float]] = []
    for chunk in chunks:
        t0 = time.perf_counter()
        await writer.put_many(chunk)
        await writer.flush()
        spent.append((len(chunk), time.perf_counter() - t0))
    return spent


def _rate(parts: list[tuple[int, float]]) -> float:
    rows = sum(n for n, _ in parts)
    return rows / max(sum(s for _, s in parts), 1e-9)


def _tenths(parts: list[tuple[int, float]]) -> tuple[float, float]:
    """Load rate over the chunks holding the first and the last 10 % of the rows."""
    total = sum(n for n, _ in parts)
    first: list[tuple[int, float]] = []
    for part in parts:
        first.append(part)
        if sum(n for n, _ in first) >= total / 10:
            break
    last: list[tuple[int, float]] = []
    for part in reversed(parts):
        last.append(part)
        if sum(n for n, _ in last) >= total / 10:
            break
    return _rate(first), _rate(last)


def _chunks_1s(total: int, chunk: int = CHUNK) -> Iterator[list[Any]]:
    for first in range(1, total + 1, chunk):
        yield _equity_rows("s1s", first, min(chunk, total - first + 1), 1.0, first)


def _chunks_1m(minutes: int, strategies: int = 50, chunk: int = CHUNK) -> Iterator[list[Any]]:
    per = max(1, chunk // strategies)
    for m0 in range(0, minutes, per):
        yield _minute_chunk(strategies, m0, min(per, minutes - m0), m0)


async def _copy_ceiling(dsn: str, sample: int) -> tuple[int, float]:
    """Raw COPY of the same kind of rows into a bare table: rows, seconds."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "CREATE TABLE copy_ceiling (strategy_id text, seq bigint, ts timestamptz,"
            " equity float8, realized_pnl float8, unrealized_pnl float8, position_value float8)"
        )
        rows, spent = 0, 0.0
        for chunk in _chunks_1s(sample):
            records, _ = event_rows(chunk)
            t0 = time.perf_counter()
            await conn.copy_records_to_table("copy_ceiling", records=records["equity"])
            spent += time.perf_counter() - t0
            rows += len(chunk)
        await conn.execute("DROP TABLE copy_ceiling")
        return rows, spent
    finally:
        await conn.close()


async def _run(rows_1s: int, minutes_1m: int, quick: bool) -> dict[str, Any]:
    from perfdesk.services.live.pipeline import tune_gc_for_ingest

    tune_gc_for_ingest()  # the policy of the collector and the app
    tmp = Path(tempfile.mkdtemp(prefix="perfdesk-bench-storage-"))
    server = EmbeddedPostgres(tmp / "db", settings={"shared_buffers": "256MB"})
    try:
        dsn = await asyncio.to_thread(server.start)
        store = await Store.open(dsn)
        writer = StoreWriter(store)
        writer.start()
        chunk = CHUNK_QUICK if quick else CHUNK
        parts_1s = await _load(writer, _chunks_1s(rows_1s, chunk))
        parts_1m = await _load(writer, _chunks_1m(minutes_1m, chunk=chunk))
        await writer.aclose()
        n_1s, n_1m = sum(n for n, _ in parts_1s), sum(n for n, _ in parts_1m)
        await store.pool.execute("ANALYZE" if quick else "VACUUM ANALYZE")
        figures = await storage_figures.before_and_after_compaction(store, n_1s + n_1m)
        assert await store.count_events() == n_1s + n_1m, "rows missing after compaction"
        await store.close()
        c_rows, c_s = await _copy_ceiling(dsn, min(rows_1s, CEILING_SAMPLE_ROWS))
    finally:
        await asyncio.to_thread(server.destroy)
        shutil.rmtree(tmp, ignore_errors=True)
    load_rate = _rate(parts_1s + parts_1m)
    first_10, last_10 = _tenths(parts_1s)
    first_10m, last_10m = _tenths(parts_1m)
    ceiling = c_rows / c_s
    return {
        "quick": quick,
        "rows": n_1s + n_1m,
        "rows_1s_strategy": n_1s,
        "rows_50x1m": n_1m,
        "load_s": round(sum(s for _, s in parts_1s + parts_1m), 2),
        "load_rows_per_s": round(load_rate),
        "load_1s_rows_per_s": round(_rate(parts_1s)),
        "load_50x1m_rows_per_s": round(_rate(parts_1m)),
        "load_rows_per_s_first_10pct": round(first_10),
        "load_rows_per_s_last_10pct": round(last_10),
        "load_50x1m_rows_per_s_first_10pct": round(first_10m),
        "load_50x1m_rows_per_s_last_10pct": round(last_10m),
        "copy_ceiling_rows_per_s": round(ceiling),
        "copy_ceiling_sample_rows": c_rows,
        "ratio": round(load_rate / ceiling, 3),
        **figures,
        "server": "embedded PostgreSQL 18, fsync on, plain tables (no TimescaleDB)",
        "load_avg_1m": os.getloadavg()[0],
    }
