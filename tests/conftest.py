"""Shared PostgreSQL fixtures: a real server for the whole session, a fresh database per test.

`pg_server` starts perfdesk's EmbeddedPostgres in a temporary directory (as root this
exercises the dedicated-user path CI relies on), unless `PERFDESK_TEST_DSN` names an
external server (which must allow CREATE DATABASE). `db_dsn` creates an empty database
with a unique name on it and drops it afterwards; `store` is an opened Store on it.
"""

from __future__ import annotations

import gc
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from isolated_home import isolate_home, remove_clusters, restore_home
from memory_keyring import memory_keyring, no_keyring  # noqa: F401 - shared fixtures
from pg_settings import TEST_SETTINGS

from perfdesk.services.store.embedded_db import EmbeddedPostgres
from perfdesk.services.store.store import Store


@pytest.fixture(scope="session", autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The session's own XDG homes; no cluster outlives it (tests/isolated_home.py)."""
    before = isolate_home(tmp_path_factory.mktemp("home"))
    try:
        yield
    finally:
        restore_home(before)
        remove_clusters(tmp_path_factory.getbasetemp())


@pytest.fixture(autouse=True)
def _collect_garbage_on_the_main_thread() -> Iterator[None]:
    """The cyclic garbage collector runs only here, between tests, on the main (GUI) thread.

    With automatic collection a background thread (BackendHost, LoopThread) may run it
    and destroy a leftover QObject of an earlier test there: Qt cannot stop that object's
    timers from another thread, and a later timer event reaches freed memory (a segfault
    seen when views tests ran before the demo test). The app does the same: it collects
    only on the GUI thread (app.py)."""
    yield
    gc.collect()


def pytest_configure(config: pytest.Config) -> None:
    gc.disable()  # see _collect_garbage_on_the_main_thread
    config.addinivalue_line(
        "markers",
        "outage60: the full 60-second database outage test; runs only when selected with"
        " `-m outage60`",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`outage60` tests run only when asked for by name (`-m outage60`)."""
    if "outage60" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="long variant: run with `-m outage60`")
    for item in items:
        if "outage60" in item.keywords:
            item.add_marker(skip)


@dataclass(frozen=True)
class PgServer:
    """A running server: `dsn` reaches its maintenance database as a superuser."""

    dsn: str
    embedded: EmbeddedPostgres | None

    def dsn_for(self, database: str) -> str:
        return with_database(self.dsn, database)


def with_database(dsn: str, database: str) -> str:
    """The same DSN pointed at another database."""
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path=f"/{database}"))


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PgServer]:
    external = os.environ.get("PERFDESK_TEST_DSN")
    if external:
        yield PgServer(dsn=external, embedded=None)
        return
    server = EmbeddedPostgres(tmp_path_factory.mktemp("pg") / "db", settings=TEST_SETTINGS)
    dsn = server.start()
    try:
        yield PgServer(dsn=dsn, embedded=server)
    finally:
        server.destroy()


@pytest.fixture
async def db_dsn(pg_server: PgServer) -> AsyncIterator[str]:
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = await asyncpg.connect(pg_server.dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    yield pg_server.dsn_for(name)
    admin = await asyncpg.connect(pg_server.dsn)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
async def store(db_dsn: str) -> AsyncIterator[Store]:
    opened = await Store.open(db_dsn)
    try:
        yield opened
    finally:
        await opened.close()
