"""Forward-only migrations against a real server: from empty, from every earlier version."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from old_data import seed as _seed_rows
from rollup_check import assert_rollups_match_raw

from perfdesk.bench.storage import synthetic_events
from perfdesk.services.store import database
from perfdesk.services.store.store import Store

VERSIONS = [m.version for m in database.load_migrations()]
"""Every migration version (blocks of 100 per area: 0001.. storage, 0100.. alerts, ...)."""
TABLES = {
    "strategies", "equity", "fills", "statuses", "dead_letters", "verdicts", "alerts",
    "alert_events", "ingest_state", "rollup_1m", "rollup_1d",
}  # fmt: skip


async def _tables(conn: asyncpg.Connection) -> set[str]:
    rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return {r["tablename"] for r in rows}


async def test_from_empty_then_idempotent(db_dsn: str) -> None:
    conn = await asyncpg.connect(db_dsn)
    try:
        assert await database.schema_version(conn) == 0
        assert await database.migrate(conn) == VERSIONS
        assert await _tables(conn) >= TABLES
        assert await database.schema_version(conn) == VERSIONS[-1]
        assert await database.migrate(conn) == []
    finally:
        await conn.close()


async def test_concurrent_runners_apply_each_migration_once(db_dsn: str) -> None:
    conns = [await asyncpg.connect(db_dsn) for _ in range(3)]
    try:
        results = await asyncio.gather(*(database.migrate(c) for c in conns))
        assert sorted(v for r in results for v in r) == VERSIONS
    finally:
        for c in conns:
            await c.close()


async def _seed(conn: asyncpg.Connection, version: int) -> None:
    """Store events as a perfdesk of that schema version would have (old_data.seed)."""
    await _seed_rows(
        conn, version, list(synthetic_events("old", 500, fill_every=7, status_every=50))
    )


@pytest.mark.parametrize("version", VERSIONS[:-1])
async def test_upgrade_from_every_earlier_version(db_dsn: str, version: int) -> None:
    conn = await asyncpg.connect(db_dsn)
    try:
        await database.migrate(conn, upto=version)
        await _seed(conn, version)
        assert await database.migrate(conn) == [v for v in VERSIONS if v > version]
    finally:
        await conn.close()
    store = await Store.open(db_dsn)
    try:
        assert await store.last_seqs() == {"old": 500}
        assert await store.count_events("old") == 500
        # Replaying the old events after the upgrade stores nothing twice.
        assert await store.write_events(list(synthetic_events("old", 500, fill_every=7))) == 0
        assert await store.seqs("old") == list(range(1, 501))
        await assert_rollups_match_raw(store)  # the old bars survive and read the same
    finally:
        await store.close()


async def test_edited_migration_is_refused(db_dsn: str) -> None:
    conn = await asyncpg.connect(db_dsn)
    try:
        await database.migrate(conn)
        await conn.execute("UPDATE schema_migrations SET checksum = 'x' WHERE version = 1")
        with pytest.raises(database.MigrationError, match="forward-only"):
            await database.migrate(conn)
    finally:
        await conn.close()


async def test_newer_database_is_refused(db_dsn: str) -> None:
    conn = await asyncpg.connect(db_dsn)
    try:
        await database.migrate(conn)
        await conn.execute(
            "INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, 'future', 'x')"
        )
        with pytest.raises(database.MigrationError, match="newer than this perfdesk"):
            await database.migrate(conn)
    finally:
        await conn.close()
