"""Connection pool and the forward-only migrations runner.

Migrations are the files `migrations/NNNN_name.sql`, applied in order, each in its own
transaction, recorded in `schema_migrations` with a checksum. A migration already applied
is never edited (a changed checksum is an error) and never undone. A session advisory lock
serialises concurrent runners (two perfdesk processes starting at once).
"""

from __future__ import annotations

import hashlib
import itertools
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
MIGRATION_LOCK_KEY = 0x70_65_72_66_64_65_73_6B  # "perfdesk"
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class MigrationError(RuntimeError):
    """The database's schema cannot be brought to this version of perfdesk."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """All migration files, sorted by version; refuses gaps, duplicates and odd names.

    Versions come in blocks of 100, one per area of the code (0001-0099 storage,
    0100-0199 alerts, ...), so areas add migrations without renumbering each other's.
    Within a block versions are contiguous from its first (0001, or N00); migrations
    are applied by version set, so a new file in an older block still runs.
    """
    found: list[Migration] = []
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if match is None:
            raise MigrationError(f"{path}: migration files are named NNNN_lowercase_name.sql")
        found.append(Migration(int(match[1]), match[2], path.read_text(encoding="utf-8")))
    for block, group in itertools.groupby(found, key=lambda m: m.version // 100):
        for expected, migration in enumerate(group, start=max(1, block * 100)):
            if migration.version != expected:
                raise MigrationError(
                    f"migration {expected:04d} is missing (found {migration.name})"
                )
    return found


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 5, **kw: Any) -> Any:
    """An asyncpg pool with perfdesk's session defaults (UTC, application_name)."""
    settings = {"timezone": "UTC", "application_name": "perfdesk"}
    settings.update(kw.pop("server_settings", {}))
    return await asyncpg.create_pool(
        dsn, min_size=min_size, max_size=max_size, server_settings=settings, **kw
    )


async def migrate(target: Any, *, upto: int | None = None) -> list[int]:
    """Apply pending migrations (up to `upto`, default all); returns the versions applied.

    `target` is an asyncpg Connection or Pool.
    """
    if isinstance(target, asyncpg.Pool):
        async with target.acquire() as conn:
            return await _migrate(conn, upto)
    return await _migrate(target, upto)


async def schema_version(conn: Any) -> int:
    """Highest applied migration version (0 for an empty database)."""
    exists = await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
    if not exists:
        return 0
    return int(await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_migrations"))


async def _migrate(conn: Any, upto: int | None) -> list[int]:
    wanted = [m for m in load_migrations() if upto is None or m.version <= upto]
    await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
    try:
        # A login without CREATE on the schema (a perfdesk_viewer/trader desk, migration
        # 0800) opens an up-to-date database too: create the table only when missing.
        if not await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL"):
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY,"
                " name text NOT NULL, checksum text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())"
            )
        applied = {r["version"]: r for r in await conn.fetch("SELECT * FROM schema_migrations")}
        _check_applied(applied, load_migrations())
        done = []
        for migration in (m for m in wanted if m.version not in applied):
            await _apply(conn, migration)
            done.append(migration.version)
        return done
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)


def _check_applied(applied: dict[int, Any], known: list[Migration]) -> None:
    """Applied migrations must be ones this code knows, unchanged."""
    by_version = {m.version: m for m in known}
    for version, row in sorted(applied.items()):
        migration = by_version.get(version)
        if migration is None:
            raise MigrationError(
                f"the database has schema version {version}, newer than this perfdesk "
                f"(knows up to {max(by_version, default=0)}); upgrade perfdesk"
            )
        if row["checksum"] != migration.checksum:
            raise MigrationError(
                f"migration {version:04d}_{migration.name} was changed after it was applied; "
                "migrations are forward-only: add a new one instead"
            )


async def _apply(conn: Any, migration: Migration) -> None:
    try:
        async with conn.transaction():
            await conn.execute(migration.sql)
            await conn.execute(
                "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                migration.version,
                migration.name,
                migration.checksum,
            )
    except asyncpg.PostgresError as exc:
        raise MigrationError(
            f"migration {migration.version:04d}_{migration.name} failed: {exc}"
        ) from exc


async def hypertables_enabled(target: Any) -> bool:
    """Is `equity` a TimescaleDB hypertable here (the TimescaleDB storage path)?"""
    has_ext = await target.fetchval(
        "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb')"
    )
    if not has_ext:
        return False
    return bool(
        await target.fetchval(
            "SELECT EXISTS (SELECT 1 FROM timescaledb_information.hypertables"
            " WHERE hypertable_name = 'equity' AND hypertable_schema = current_schema())"
        )
    )


@dataclass(frozen=True)
class TimescalePolicy:
    """TimescaleDB settings (hypertable chunking, compression, retention; None = off).

    Raw event tables compress chunks older than `compress_after` (segment by
    strategy_id, ordered by seq) and drop chunks older than `raw_retention`; the
    1-minute rollups keep `rollup_retention`. Daily rollups are always kept.

    1-minute rollups must be kept at least as long as raw rows: raw equity is found by
    time through their seq ranges (equity_reads), so `rollup_retention` is None or at
    least `raw_retention` (which must then be set).
    """

    chunk_interval: timedelta = timedelta(days=7)
    compress_after: timedelta | None = timedelta(days=7)
    raw_retention: timedelta | None = None
    rollup_chunk_interval: timedelta = timedelta(days=30)
    rollup_retention: timedelta | None = None

    def __post_init__(self) -> None:
        if self.rollup_retention is not None and (
            self.raw_retention is None or self.rollup_retention < self.raw_retention
        ):
            raise ValueError(
                f"rollup_retention ({self.rollup_retention}) must not be shorter than"
                f" raw_retention ({self.raw_retention}): raw equity rows are located"
                " through the 1-minute rollups"
            )


RAW_TABLES = ("equity", "fills", "statuses")
UNINDEXED_TS = ("equity",)
"""Raw tables with no index on ts (read by seq ranges located through the rollups)."""


async def timescale_available(conn: Any) -> bool:
    """Can this server load TimescaleDB (installed, whether or not yet created)?"""
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb')"
        )
    )


async def enable_timescale(target: Any, policy: TimescalePolicy | None = None) -> None:
    """Turn the time-series tables into hypertables and (re)apply the policies.

    Idempotent: tables already converted are left as they are; policies are replaced
    so a changed setting takes effect. `target` is a Connection or Pool.
    """
    if isinstance(target, asyncpg.Pool):
        async with target.acquire() as conn:
            await enable_timescale(conn, policy)
        return
    policy = policy or TimescalePolicy()
    await target.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
    try:
        async with target.transaction():
            search_path = await target.fetchval("SELECT current_setting('search_path')")
            await target.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
            # The extension script sets search_path to pg_catalog; some servers (PGlite)
            # do not restore it afterwards.
            await target.execute("SELECT set_config('search_path', $1, true)", search_path)
            for table in RAW_TABLES:
                await _raw_hypertable(target, table, policy)
            await _rollup_hypertable(target, policy)
    finally:
        await target.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)


async def _is_hypertable(conn: Any, table: str) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM timescaledb_information.hypertables"
            " WHERE hypertable_name = $1 AND hypertable_schema = current_schema())",
            table,
        )
    )


async def _raw_hypertable(conn: Any, table: str, policy: TimescalePolicy) -> None:
    """A unique key on a hypertable must contain its time column: (strategy_id, seq) becomes
    (strategy_id, seq, ts); Store's staged insert keeps (strategy_id, seq) unique."""
    if not await _is_hypertable(conn, table):
        # Fixed table names from RAW_TABLES; DDL cannot take bind parameters.
        await conn.execute(
            f"ALTER TABLE {table} DROP CONSTRAINT {table}_pkey,"
            f" ADD CONSTRAINT {table}_pkey PRIMARY KEY (strategy_id, seq, ts)"
        )
        # No default index on ts for equity: it is read by primary key through the
        # rollups' seq ranges (equity_reads; migration 0400). Chunk exclusion and
        # retention go by the chunks' ts ranges and need no index.
        await conn.execute(
            "SELECT create_hypertable($1::regclass, by_range('ts', $2::interval),"
            " create_default_indexes => $3, migrate_data => true)",
            table,
            policy.chunk_interval,
            table not in UNINDEXED_TS,
        )
        await conn.execute(
            f"ALTER TABLE {table} SET (timescaledb.compress,"
            " timescaledb.compress_segmentby = 'strategy_id',"
            " timescaledb.compress_orderby = 'seq')"
        )
    await conn.execute("SELECT remove_compression_policy($1::regclass, if_exists => true)", table)
    if policy.compress_after is not None:
        await conn.execute(
            "SELECT add_compression_policy($1::regclass, $2::interval)",
            table,
            policy.compress_after,
        )
    await _retention(conn, table, policy.raw_retention)


async def _rollup_hypertable(conn: Any, policy: TimescalePolicy) -> None:
    if not await _is_hypertable(conn, "rollup_1m"):
        await conn.execute(
            "SELECT create_hypertable('rollup_1m'::regclass, by_range('bucket', $1::interval),"
            " migrate_data => true)",
            policy.rollup_chunk_interval,
        )
    await _retention(conn, "rollup_1m", policy.rollup_retention)


async def _retention(conn: Any, table: str, keep: timedelta | None) -> None:
    await conn.execute("SELECT remove_retention_policy($1::regclass, if_exists => true)", table)
    if keep is not None:
        await conn.execute("SELECT add_retention_policy($1::regclass, $2::interval)", table, keep)
