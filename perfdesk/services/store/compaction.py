"""Compaction: older raw equity rows packed into columnar segments (migration 0603).

A raw equity row costs ~117 bytes on plain PostgreSQL (heap tuple + primary-key entry);
a compacted one ~34 (its four float8 values plus a share of the compressed seq/ts
columns and of the segment's overhead; less when a column repeats). Whole UTC days of a
strategy older than `after_days` are moved into `equity_segments` (at most
`segment_rows` rows each), oldest first, resuming where the last run stopped
(`compaction_marks`).

Exactly once: one strategy-day is one statement — `DELETE ... RETURNING` feeding the
`INSERT` of its segments — in one transaction with its mark, so a crash loses and
duplicates nothing, and a rerun finds nothing left to move. Rows of a compacted day
that arrive later (a replayed gap) stay raw rows; reads see both forms
(`equity_rows()`), and the write path refuses a seq that is already in a segment
(`equity_compacted()`, store/sql.py). On TimescaleDB this is a no-op: the hypertable's
native compression (segment by strategy_id, order by seq) does the same job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from perfdesk.services.store import database

DEFAULT_AFTER_DAYS = 2
"""UTC days that ended at least this many days ago are compacted (with 2, the last two to
three days stay rows)."""
DEFAULT_SEGMENT_ROWS = 10_000
"""Rows per segment: a read of part of a day decodes the segments it overlaps, whole."""
MAINTENANCE_LOCK_KEY = 0x70_64_72_65_74_61_69_6E  # shared with retention: one runs at a time


class CompactionError(ValueError):
    """A compaction setting that cannot be applied (what is wrong)."""


@dataclass
class CompactionResult:
    rows: int = 0
    segments: int = 0
    strategy_days: int = 0
    done: bool = True
    """False when `max_days` stopped the run before every due day was compacted."""


_DAYS_SQL = """
SELECT d.strategy_id, d.bucket, d.open_seq, d.close_seq
FROM rollup_1d d LEFT JOIN compaction_marks m USING (strategy_id)
WHERE d.bucket < $1 AND d.bucket >= coalesce(m.compacted_before, '-infinity')
  AND d.open_seq IS NOT NULL
ORDER BY d.bucket, d.strategy_id
LIMIT $2"""
"""Strategy-days due (those with equity samples), oldest first, after each mark."""

COMPACT_DAY_SQL = """
WITH d AS (
    DELETE FROM equity
    WHERE strategy_id = $1 AND seq >= $3 AND seq <= $4
      AND ts >= $2 AND ts < $2 + interval '24 hours'
    RETURNING seq, ts, equity, realized_pnl, unrealized_pnl, position_value),
o AS (SELECT *, row_number() OVER (ORDER BY seq) - 1 AS r FROM d),
c AS (SELECT *, r / $5 AS chunk, r % $5 AS i,
             first_value(seq) OVER w AS s0, first_value(ts) OVER w AS t0,
             ts - lag(ts) OVER w AS dt
      FROM o WINDOW w AS (PARTITION BY r / $5 ORDER BY r)),
s AS MATERIALIZED (
    SELECT chunk, coalesce((extract(epoch FROM percentile_disc(0.5) WITHIN GROUP (ORDER BY dt))
                            * 1000000)::bigint, 0) AS step
    FROM c GROUP BY chunk)
INSERT INTO equity_segments
SELECT $1, min(c.seq), max(c.seq), min(c.ts), max(c.ts), count(*), min(c.t0), s.step,
       array_agg(c.seq - c.s0 - c.i ORDER BY c.i),
       array_agg((extract(epoch FROM c.ts - c.t0) * 1000000)::bigint - c.i * s.step
                 ORDER BY c.i),
       array_agg(c.equity ORDER BY c.i), array_agg(c.realized_pnl ORDER BY c.i),
       array_agg(c.unrealized_pnl ORDER BY c.i), array_agg(c.position_value ORDER BY c.i)
FROM c JOIN s USING (chunk)
GROUP BY c.chunk, s.step
ORDER BY c.chunk
RETURNING n"""
"""($1 strategy, $2 UTC day, $3/$4 the day bar's open_seq/close_seq, $5 rows per
segment): move the day's rows into segments; returns each segment's row count. The day
bar's seq range bounds the rows (equity has no ts index), the ts range picks the day's.
Segments: rows numbered by seq, cut every $5; ts step = the median spacing (so regular
sampling leaves residuals of 0, and a gap makes one run of a new constant)."""

_MARK_SQL = """
INSERT INTO compaction_marks AS m (strategy_id, compacted_before, max_seq, max_span)
SELECT $1, $2::timestamptz + interval '24 hours', coalesce(max(last_seq), $3),
       coalesce(max(last_seq - first_seq), 0)
FROM equity_segments WHERE strategy_id = $1 AND first_seq >= $3 AND first_seq <= $4
ON CONFLICT (strategy_id) DO UPDATE
SET compacted_before = greatest(m.compacted_before, EXCLUDED.compacted_before),
    max_seq = greatest(m.max_seq, EXCLUDED.max_seq),
    max_span = greatest(m.max_span, EXCLUDED.max_span)"""
"""($1 strategy, $2 day, $3/$4 its seq range): the day is done; the bounds grow by its
segments (an upper bound of where compacted seqs are: equity_compacted)."""


def cutoff(now: datetime, after_days: int) -> datetime:
    """Midnight UTC at or before now - after_days: whole days before it are compacted."""
    if not isinstance(after_days, int) or after_days < 1:
        raise CompactionError(f"after_days must be a whole number of days ≥ 1, got {after_days!r}")
    t = now.astimezone(UTC) - timedelta(days=after_days)
    return datetime(t.year, t.month, t.day, tzinfo=UTC)


async def compact(
    pool: Any,
    *,
    after_days: int = DEFAULT_AFTER_DAYS,
    now: datetime | None = None,
    segment_rows: int = DEFAULT_SEGMENT_ROWS,
    max_days: int = 10_000,
) -> CompactionResult:
    """Compact every strategy-day older than `after_days` (at most `max_days` of them in
    this call). No-op on hypertables, and while another process holds the storage
    maintenance lock (retention or compaction)."""
    if segment_rows < 1:
        raise CompactionError(f"segment_rows must be ≥ 1, got {segment_rows!r}")
    cut = cutoff(now or datetime.now(UTC), after_days)
    result = CompactionResult()
    if await database.hypertables_enabled(pool):
        return result  # TimescaleDB's native compression does this
    async with pool.acquire() as conn:
        if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", MAINTENANCE_LOCK_KEY):
            return result
        try:
            await _compact_days(conn, cut, segment_rows, max_days, result)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", MAINTENANCE_LOCK_KEY)
    return result


async def _compact_days(
    conn: Any, cut: datetime, segment_rows: int, max_days: int, out: CompactionResult
) -> None:
    days = await conn.fetch(_DAYS_SQL, cut, max_days)
    out.done = len(days) < max_days
    for day in days:
        sid, bucket, seqs = day["strategy_id"], day["bucket"], (day["open_seq"], day["close_seq"])
        async with conn.transaction():
            # a generic plan (asyncpg prepares; after five runs) may rescan the step
            # aggregate per row: 25 s instead of 0.04 s for a day of 8,000 rows
            await conn.execute("SET LOCAL plan_cache_mode = force_custom_plan")
            sizes = await conn.fetch(COMPACT_DAY_SQL, sid, bucket, *seqs, segment_rows)
            await conn.execute(_MARK_SQL, sid, bucket, *seqs)
        out.rows += sum(r["n"] for r in sizes)
        out.segments += len(sizes)
        out.strategy_days += 1
