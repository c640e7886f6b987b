"""Retention per resolution: raw samples N days, 1-minute bars M days, daily bars forever.

The setting is one row of `storage_settings` (migration 0601), shared by every client of
the database; the collector applies it periodically (`apply_retention`). Plain
PostgreSQL: whole UTC days are deleted, one strategy-day per transaction (bounded: a
day of 1-second samples is 86,400 rows), raw rows by primary-key range through the day
bar's seq range (equity has no ts index) and the day's compacted segments whole
(migration 0603), fills and statuses by their ts index. A
strategy in raw mode (migration 0600: its raw rows are its 1-minute bars) has that day's
bars written to `rollup_1m` first when they are to outlive the raw rows. TimescaleDB:
the same setting becomes the hypertables' retention policies (`policy_for`), and
`apply_retention` leaves the tables to them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from perfdesk.services.store import compaction, database

log = logging.getLogger(__name__)

RETENTION_LOCK_KEY = compaction.MAINTENANCE_LOCK_KEY  # "pdretain": one of the two runs at a time
_DATABASE_AWAY = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)


class RetentionError(ValueError):
    """A retention setting that cannot be applied (what is wrong and why)."""


@dataclass(frozen=True)
class Retention:
    """Days to keep raw samples and 1-minute bars (None = forever)."""

    raw_days: int | None = None
    minute_bar_days: int | None = None

    def __post_init__(self) -> None:
        for name in ("raw_days", "minute_bar_days"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 1):
                raise RetentionError(f"{name} must be a whole number of days ≥ 1, got {value!r}")
        if self.minute_bar_days is not None and (
            self.raw_days is None or self.minute_bar_days < self.raw_days
        ):
            raise RetentionError(
                f"1-minute bars ({self.minute_bar_days} days) must be kept at least as long"
                f" as raw samples ({self.raw_days or 'forever'}): raw samples are found by"
                " time through them"
            )


@dataclass
class RetentionResult:
    raw_rows: int = 0
    minute_bars_deleted: int = 0
    minute_bars_kept_from_raw: int = 0
    strategy_days: int = 0
    done: bool = True
    """False when `max_days` stopped the run before everything due was deleted."""


async def load_retention(pool: Any) -> Retention:
    row = await pool.fetchrow("SELECT raw_days, minute_bar_days FROM storage_settings")
    return Retention(row["raw_days"], row["minute_bar_days"]) if row else Retention()


async def save_retention(pool: Any, retention: Retention) -> None:
    await pool.execute(
        "UPDATE storage_settings SET raw_days = $1, minute_bar_days = $2, updated_at = now()",
        retention.raw_days,
        retention.minute_bar_days,
    )


def policy_for(retention: Retention) -> database.TimescalePolicy:
    """The TimescaleDB policy of a retention setting (compression as default)."""
    return database.TimescalePolicy(
        raw_retention=None if retention.raw_days is None else timedelta(days=retention.raw_days),
        rollup_retention=(
            None if retention.minute_bar_days is None else timedelta(days=retention.minute_bar_days)
        ),
    )


def _cutoff(now: datetime, days: int | None) -> datetime | None:
    """Midnight UTC at or before now - days: whole days older than this go."""
    if days is None:
        return None
    t = now - timedelta(days=days)
    return datetime(t.year, t.month, t.day, tzinfo=UTC)


_DAYS_SQL = """
SELECT d.strategy_id, d.bucket, d.open_seq, d.close_seq,
       coalesce(i.minute_bars, true) AS minute_bars
FROM rollup_1d d
LEFT JOIN retention_marks m USING (strategy_id)
LEFT JOIN ingest_state i USING (strategy_id)
WHERE d.bucket < $1 AND d.bucket >= coalesce(m.{mark}, '-infinity')
ORDER BY d.bucket, d.strategy_id
LIMIT $2"""

_KEEP_RAW_BARS_SQL = """
INSERT INTO rollup_1m
SELECT * FROM bars_1m($1::text, $2::timestamptz, $2::timestamptz + interval '1 day')
ON CONFLICT (strategy_id, bucket) DO NOTHING"""

_DELETE_RAW = (
    "DELETE FROM equity WHERE strategy_id = $1 AND seq >= $3 AND seq <= $4"
    " AND ts >= $2 AND ts < $2 + interval '1 day'",
    "DELETE FROM fills WHERE strategy_id = $1 AND ts >= $2 AND ts < $2 + interval '1 day'",
    "DELETE FROM statuses WHERE strategy_id = $1 AND ts >= $2 AND ts < $2 + interval '1 day'",
)

_DELETE_SEGMENTS_SQL = """
WITH g AS (DELETE FROM equity_segments WHERE strategy_id = $1 AND first_seq >= $3
           AND first_seq <= $4 AND min_ts >= $2 AND max_ts < $2 + interval '1 day'
           RETURNING n)
SELECT coalesce(sum(n), 0)::bigint FROM g"""
"""The day's compacted equity segments (migration 0603), whole (a segment holds rows of
one UTC day, within the day bar's seq range); returns their row count."""

_MARK_SQL = """
INSERT INTO retention_marks AS m (strategy_id, {mark})
VALUES ($1, $2::timestamptz + interval '1 day')
ON CONFLICT (strategy_id) DO UPDATE SET {mark} = greatest(m.{mark}, EXCLUDED.{mark})"""


async def apply_retention(
    pool: Any,
    retention: Retention | None = None,
    *,
    now: datetime | None = None,
    max_days: int = 10_000,
) -> RetentionResult:
    """Delete what the setting (default: the stored one) no longer keeps; at most
    `max_days` strategy-days per resolution in this call. No-op on hypertables, and
    while another process applies it (a session advisory lock)."""
    retention = retention if retention is not None else await load_retention(pool)
    result = RetentionResult()
    if await database.hypertables_enabled(pool):
        return result  # TimescaleDB drops whole chunks by its retention policies
    now = now or datetime.now(UTC)
    raw_cut = _cutoff(now, retention.raw_days)
    minute_cut = _cutoff(now, retention.minute_bar_days)
    async with pool.acquire() as conn:
        # Several collectors may share the database: one of them runs it at a time.
        if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", RETENTION_LOCK_KEY):
            return result
        try:
            if raw_cut is not None:
                await _raw_days(conn, raw_cut, minute_cut, max_days, result)
            if minute_cut is not None:
                await _minute_days(conn, minute_cut, max_days, result)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", RETENTION_LOCK_KEY)
    return result


async def _raw_days(
    conn: Any, cut: datetime, minute_cut: datetime | None, max_days: int, out: RetentionResult
) -> None:
    days = await conn.fetch(_DAYS_SQL.format(mark="raw_before"), cut, max_days)
    out.done = out.done and len(days) < max_days
    for day in days:
        sid, bucket = day["strategy_id"], day["bucket"]
        async with conn.transaction():
            if not day["minute_bars"] and (minute_cut is None or bucket >= minute_cut):
                status = await conn.execute(_KEEP_RAW_BARS_SQL, sid, bucket)
                out.minute_bars_kept_from_raw += int(status.split()[-1])
            for sql in _DELETE_RAW:
                args = (sid, bucket, day["open_seq"], day["close_seq"])
                status = await conn.execute(sql, *args[: 4 if "seq" in sql else 2])
                out.raw_rows += int(status.split()[-1])
            out.raw_rows += await conn.fetchval(_DELETE_SEGMENTS_SQL, *args)
            await conn.execute(_MARK_SQL.format(mark="raw_before"), sid, bucket)
        out.strategy_days += 1


async def _minute_days(conn: Any, cut: datetime, max_days: int, out: RetentionResult) -> None:
    days = await conn.fetch(_DAYS_SQL.format(mark="minute_before"), cut, max_days)
    out.done = out.done and len(days) < max_days
    for day in days:
        sid, bucket = day["strategy_id"], day["bucket"]
        async with conn.transaction():
            status = await conn.execute(
                "DELETE FROM rollup_1m WHERE strategy_id = $1 AND bucket >= $2"
                " AND bucket < $2 + interval '1 day'",
                sid,
                bucket,
            )
            out.minute_bars_deleted += int(status.split()[-1])
            await conn.execute(_MARK_SQL.format(mark="minute_before"), sid, bucket)
        out.strategy_days += 1


@dataclass(frozen=True)
class Upkeep:
    """The storage task's schedule: retention and compaction every `every_s`, the first
    run `first_after_s` after start (a desktop lets its start-up go first)."""

    every_s: float = 3600.0
    compact_after_days: int | None = compaction.DEFAULT_AFTER_DAYS
    first_after_s: float = 0.0

    async def run(self, pool: Any) -> None:
        await asyncio.sleep(self.first_after_s)
        await run_periodically(pool, self.every_s, compact_after_days=self.compact_after_days)


async def run_periodically(
    pool: Any,
    every_s: float,
    *,
    max_days: int = 500,
    compact_after_days: int | None = compaction.DEFAULT_AFTER_DAYS,
) -> None:
    """The storage task of every runtime that writes (the collector's, a desktop's own):
    apply the stored retention setting, then compact raw equity days older than
    `compact_after_days` (None: never; migration 0603), now and every `every_s` (sooner
    while a run was cut short by `max_days`); failures are logged, not fatal."""
    while True:
        done = await _apply_logged(pool, max_days)
        if compact_after_days is not None:
            done = await _compact_logged(pool, compact_after_days, max_days) and done
        await asyncio.sleep(1.0 if not done else every_s)


async def _apply_logged(pool: Any, max_days: int) -> bool:
    return await _logged(
        "retention", "retention not applied",
        apply_retention(pool, max_days=max_days),
        lambda r: f"{r.raw_rows} raw rows and {r.minute_bars_deleted} minute bars deleted",
    )  # fmt: skip


async def _compact_logged(pool: Any, after_days: int, max_days: int) -> bool:
    return await _logged(
        "compaction", "compaction not run",
        compaction.compact(pool, after_days=after_days, max_days=max_days),
        lambda r: f"{r.rows} equity rows into {r.segments} segments",
    )  # fmt: skip


async def _logged(
    job: str, skipped: str, run: Awaitable[Any], describe: Callable[[Any], str]
) -> bool:
    """Run one storage job: its work logged, a database that is away logged and skipped
    (the next period tries again); returns whether it got through everything due."""
    try:
        result = await run
    except _DATABASE_AWAY as exc:
        log.warning("%s (database away?): %s: %s", skipped, type(exc).__name__, exc)
        return True
    if result.strategy_days:
        log.info("%s: %d strategy-days, %s", job, result.strategy_days, describe(result))
    done: bool = result.done
    return done
