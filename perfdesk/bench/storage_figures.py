"""`perfdesk bench storage`'s sizes and reads, before and after compaction.

After the load the benchmark measures the tables and the reads, runs the compaction job
(store/compaction.py, migration 0603) over every loaded day, timed, and measures again:
`bytes_per_row` is the figure after compaction, `bytes_per_row_uncompacted` before.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from perfdesk.services.store import compaction
from perfdesk.services.store.store import Store

SIZED_TABLES = (
    "equity", "equity_segments", "fills", "statuses", "rollup_1m", "rollup_1d", "ingest_state",
    "compaction_marks",
)  # fmt: skip


async def before_and_after_compaction(store: Store, rows: int) -> dict[str, Any]:
    """Sizes and reads of the loaded database, compaction, then both again.

    Compaction runs with a cut-off after the last loaded day (the data is months old),
    so every row is packed; live, the newest one or two days stay raw rows. `VACUUM
    FULL equity` then gives the emptied table's pages back: a collector compacting every
    day keeps only the raw rows of the last days in it, so its pages are reused rather
    than piling up; one bulk compaction of six months is the unusual case."""
    before = await sizes(store, rows)
    reads_before = await reads(store)
    t0 = time.perf_counter()
    result = await compaction.compact(store.pool, after_days=1, now=datetime.now(UTC))
    spent = time.perf_counter() - t0
    await store.pool.execute("VACUUM FULL equity")
    await store.pool.execute("VACUUM ANALYZE")
    after = await sizes(store, rows)
    reads_after = await reads(store)
    return {
        **after,
        "bytes_per_row_uncompacted": before["bytes_per_row"],
        "bytes_on_disk_uncompacted": before["bytes_on_disk"],
        "size_breakdown_uncompacted": before["size_breakdown"],
        "compacted_rows": result.rows,
        "segments": result.segments,
        "compact_s": round(spent, 2),
        "compact_rows_per_s": round(result.rows / max(spent, 1e-9)),
        **reads_after,
        **{f"{name}_uncompacted": value for name, value in reads_before.items()},
    }


async def reads(store: Store) -> dict[str, Any]:
    """`rollup_read_s` times the 1-minute read the app does over months: the history
    screen's (bar end time, close) series (`history_queries.bar_closes`) over the whole
    stored span of the 1-second strategy; `rollup_read_all_fields_s` reads the same bars
    with all 12 fields (`Store.rollups`, which nothing in the app asks for over months).
    Then its daily bars and raw samples (all of them), and a once-a-minute strategy's
    1-minute bars (raw mode: read from its raw rows)."""
    from perfdesk.services.history import queries as history_queries

    span = await history_queries.data_span(store.pool, "s1s")
    if span is None:
        raise RuntimeError("the storage bench stored no bars for s1s")
    start, end = span[0], span[1] + timedelta(minutes=1)
    t0 = time.perf_counter()
    closes, _ = await history_queries.bar_closes(store.pool, "1m", "s1s", start, end)
    t1 = time.perf_counter()
    minutes = await store.rollups("s1s", "1m")
    t2 = time.perf_counter()
    days = await store.rollups("s1s", "1d")
    t3 = time.perf_counter()
    ts, _equity = await store.equity_series("s1s")
    t4 = time.perf_counter()
    raw_mode = await store.rollups("m00", "1m")
    t5 = time.perf_counter()
    return {
        "rollup_read_s": round(t1 - t0, 4),
        "rollup_read_what": "1-minute (bar end, close) of the whole span: bar_closes",
        "rollup_1m_bars": len(closes),
        "rollup_read_all_fields_s": round(t2 - t1, 4),
        "rollup_1m_bars_all_fields": len(minutes),
        "rollup_1d_read_s": round(t3 - t2, 4),
        "rollup_1d_bars": len(days),
        "raw_read_s": round(t4 - t3, 3),
        "raw_read_rows": len(ts),
        "raw_mode_1m_read_s": round(t5 - t4, 4),
        "raw_mode_1m_bars": len(raw_mode),
    }


async def sizes(store: Store, rows: int) -> dict[str, Any]:
    """Database size, and per table its heap, indexes and TOAST (+ free space and
    visibility maps): where the bytes of a sample go. `bytes_per_row` = the event,
    segment and rollup tables' total over the rows loaded (catalogs and WAL excluded)."""
    out: dict[str, Any] = {"bytes_on_disk": int(await store.pool.fetchval(
        "SELECT pg_database_size(current_database())"))}  # fmt: skip
    breakdown: dict[str, dict[str, int]] = {}
    for table in SIZED_TABLES:
        row = await store.pool.fetchrow(
            "SELECT pg_relation_size($1::regclass) AS heap, pg_indexes_size($1::regclass)"
            " AS indexes, pg_total_relation_size($1::regclass) AS total,"
            " (SELECT reltuples FROM pg_class WHERE oid = $1::regclass) AS tuples",
            table,
        )
        out[f"{table}_bytes"] = int(row["total"])
        breakdown[table] = {
            "heap": int(row["heap"]), "indexes": int(row["indexes"]),
            "toast_and_maps": int(row["total"] - row["heap"] - row["indexes"]),
            "rows": max(int(row["tuples"]), 0),
        }  # fmt: skip
    tables_total = sum(out[f"{t}_bytes"] for t in SIZED_TABLES)
    out["bytes_per_row"] = round(tables_total / max(rows, 1), 1)
    out["size_breakdown"] = breakdown
    return out
