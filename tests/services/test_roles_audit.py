"""The database enforces the audit trail and the roles (migration 0800), on a real server:
a trader cannot change thresholds, no audit row can be skipped or forged, the login that
made a change is recorded whatever the desk claims, and the migration runs as an owner
that is not a superuser."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from perfdesk.domain.thresholds import Thresholds
from perfdesk.services.store import database
from perfdesk.services.store.config_store import ConfigStore
from perfdesk.services.store.store import Store

ROLES = ("perfdesk_viewer", "perfdesk_trader", "perfdesk_risk", "perfdesk_collector")
MIGRATION = Path(database.MIGRATIONS_DIR, "0800_roles_audit.sql")


def _as(dsn: str, user: str) -> str:
    parts = urlsplit(dsn)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{user}@{host}"))


@pytest.fixture
async def logins(store: Store, db_dsn: str) -> AsyncIterator[dict[str, str]]:
    """One login per role (cluster-wide names, unique per test, dropped afterwards)."""
    tag = uuid.uuid4().hex[:8]
    names = {role: f"t_{role.removeprefix('perfdesk_')}_{tag}" for role in ROLES}
    for role, login in names.items():
        await store.pool.execute(f'CREATE ROLE "{login}" LOGIN IN ROLE {role}')
    yield {role.removeprefix("perfdesk_"): _as(db_dsn, login) for role, login in names.items()}
    for login in names.values():
        await store.pool.execute(f'DROP OWNED BY "{login}"')
        await store.pool.execute(f'DROP ROLE "{login}"')


async def _open(dsn: str) -> Store:
    """A Store as a desk logged in with a role opens it (migrations already applied)."""
    return await Store.open(dsn)


async def test_the_roles_exist_after_migrating(store: Store) -> None:
    found = await store.pool.fetch(
        "SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname = ANY($1)", list(ROLES)
    )
    assert {r["rolname"]: r["rolcanlogin"] for r in found} == dict.fromkeys(ROLES, False)


async def test_a_trader_cannot_change_thresholds_but_can_acknowledge(logins) -> None:
    conn = await asyncpg.connect(logins["trader"])
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.fetchrow(
                "SELECT * FROM perfdesk_save_thresholds('*', '{}'::jsonb, 'eve', 'save', null)"
            )
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute(
                "INSERT INTO threshold_versions (scope, version, settings, created_by)"
                " VALUES ('*', 1, '{}'::jsonb, 'eve')"
            )
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("SELECT perfdesk_save_expectations('s', 'declared', '{}', 'eve')")
        assert await conn.fetchval("SELECT count(*) FROM threshold_versions") == 0  # reads
        await conn.execute(
            "INSERT INTO client_actions (actor, action, fingerprint, strategy_id)"
            " VALUES ('eve', 'ack', 'fp', 's')"
        )
    finally:
        await conn.close()


async def test_a_viewer_reads_but_cannot_acknowledge(logins) -> None:
    conn = await asyncpg.connect(logins["viewer"])
    try:
        assert await conn.fetchval("SELECT count(*) FROM alerts") == 0
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute(
                "INSERT INTO client_actions (actor, action, fingerprint, strategy_id)"
                " VALUES ('vic', 'ack', 'fp', 's')"
            )
    finally:
        await conn.close()


async def test_config_store_as_a_trader_says_permission_denied(logins) -> None:
    trader = await _open(logins["trader"])
    try:
        with pytest.raises(PermissionError, match="permission denied"):
            await ConfigStore(trader).save(None, Thresholds(), "eve")
    finally:
        await trader.close()


async def test_risk_saves_through_the_store_and_the_login_is_recorded(logins, store) -> None:
    risk = await _open(logins["risk"])
    try:
        config = ConfigStore(risk)
        first = await config.save("s1", Thresholds(), "alice")
        second = await config.revert("s1", first.version, "alice")
        await config.save_expectations("s1", _expectations(), "alice")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):  # no direct writes
            await risk.pool.execute(
                "INSERT INTO threshold_versions (scope, version, settings, created_by)"
                " VALUES ('s1', 9, '{}'::jsonb, 'alice')"
            )
    finally:
        await risk.close()
    login = urlsplit(logins["risk"]).username
    trail = await ConfigStore(store).audit("s1")
    assert [(a.version, a.action, a.actor, a.db_user) for a in trail] == [
        (1, "save", "alice", login),
        (2, "revert", "alice", login),
    ]
    assert trail[1].old == trail[1].new and second.version == 2
    assert await store.pool.fetchval("SELECT db_user FROM expectations") == login


async def test_a_direct_insert_is_audited_and_a_forged_one_refused(store: Store) -> None:
    owner = await store.pool.fetchval("SELECT session_user")
    await store.pool.execute(
        "INSERT INTO threshold_versions (scope, version, settings, created_by, db_user)"
        " VALUES ('s2', 1, '{\"a\": 1}'::jsonb, 'mallory', 'someone_else')"
    )
    row = await store.pool.fetchrow("SELECT * FROM threshold_audit WHERE scope = 's2'")
    assert row is not None, "an INSERT into threshold_versions always gets its audit row"
    assert (row["actor"], row["db_user"]) == ("mallory", owner)
    assert await store.pool.fetchval("SELECT db_user FROM threshold_versions") == owner
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="written by the database"):
        await store.pool.execute(
            "INSERT INTO threshold_audit (scope, version, action, actor, new_settings)"
            " VALUES ('s2', 2, 'save', 'alice', '{}'::jsonb)"
        )
    assert await store.pool.fetchval("SELECT count(*) FROM threshold_audit") == 1


async def test_the_collector_stores_data_and_engine_expectations_only(logins, store) -> None:
    conn = await asyncpg.connect(logins["collector"])
    try:
        await conn.execute(
            "INSERT INTO strategies (strategy_id, name, state) VALUES ('s3', 'S', 'active')"
        )
        await conn.fetchval("SELECT perfdesk_save_expectations('s3', 'engine', '{}', 'engine')")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.fetchrow(
                "SELECT * FROM perfdesk_save_thresholds('s3', '{}'::jsonb, 'c', 'save', null)"
            )
    finally:
        await conn.close()
    assert await store.pool.fetchval("SELECT expectations FROM strategies") == "{}"


async def test_the_migration_is_idempotent_and_runs_as_a_plain_owner(pg_server, store) -> None:
    sql = MIGRATION.read_text()  # noqa: ASYNC240 - a small file
    await store.pool.execute(sql)  # once more: no error, nothing doubled
    triggers = await store.pool.fetchval(
        "SELECT count(*) FROM pg_trigger WHERE tgname = 'threshold_versions_audit'"
    )
    assert triggers == 1
    tag = uuid.uuid4().hex[:8]
    owner, db = f"t_owner_{tag}", f"t_owned_{tag}"
    admin = await asyncpg.connect(pg_server.dsn)
    try:
        await admin.execute(f'CREATE ROLE "{owner}" LOGIN')  # no CREATEROLE, no superuser
        await admin.execute(f'CREATE DATABASE "{db}" OWNER "{owner}"')
        conn = await asyncpg.connect(_as(pg_server.dsn_for(db), owner))
        notices: list[str] = []
        conn.add_log_listener(lambda _c, msg: notices.append(msg.message))
        try:
            applied = await database.migrate(conn)
            assert 800 in applied
            result = await conn.fetchval("SELECT perfdesk_grant_roles()")
            saved = await conn.fetchrow(
                "SELECT * FROM perfdesk_save_thresholds('*', '{}'::jsonb, 'o', 'save', null)"
            )
            assert saved["db_user"] == owner
        finally:
            await conn.close()
        # the roles exist (another database created them): grants on its own tables go
        # through, granting one role to another needs ADMIN OPTION and is left to an admin
        assert result == "granted"
        assert any("ADMIN OPTION" in n for n in notices)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        await admin.execute(f'DROP ROLE IF EXISTS "{owner}"')
        await admin.close()


def _expectations():
    from perfdesk.domain.expectations import Expectations

    return Expectations(sharpe=1.0)
