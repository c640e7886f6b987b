"""Bring the backend up and down: database (embedded or DSN), an engine it was given to
start (the demo's simulator, passed in by the demo's wiring), runtime.

Shared by the desktop app and `perfdesk collect`; no Qt. Blocking steps (starting the
embedded PostgreSQL) run in a worker thread so the caller's loop stays responsive.
"""

from __future__ import annotations

import asyncio
import getpass
import hashlib
import logging
import re
import shutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import platformdirs

from perfdesk.domain import url_secrets
from perfdesk.services.engine.source import SourceConfig
from perfdesk.services.engine.sources import open_source
from perfdesk.services.runtime.desk import DeskRuntime
from perfdesk.services.runtime.local import Runtime
from perfdesk.services.store.dsn import password_kwargs, redacted, with_database
from perfdesk.services.store.embedded_db import EmbeddedPostgres
from perfdesk.services.store.retention import Upkeep
from perfdesk.services.store.store import Store

log = logging.getLogger(__name__)

APP_DATABASE = "perfdesk"
DEMO_DATABASE = "perfdesk_demo"
DESK_UPKEEP = Upkeep(first_after_s=120.0)
"""A desktop that writes its own data applies retention and compaction like a collector
(hourly, under the same advisory lock), the first run two minutes after start-up."""
NO_ENGINE = (
    "No engine configured: set the engine URL in Settings (applies at the next start), "
    "pass --engine-url or set PERFDESK_ENGINE_URL; history, thresholds and reports work meanwhile"
)
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def default_data_dir() -> Path:
    return platformdirs.user_data_path("perfdesk", appauthor=False)


class BackendError(RuntimeError):
    """The backend could not start; the message says what to do."""


@dataclass
class Backend:
    """A started backend: what the desktop uses of it is `runtime` (a DeskRuntime)."""

    runtime: DeskRuntime
    store: Store
    description: str
    user: str = field(default_factory=getpass.getuser)
    embedded: EmbeddedPostgres | None = None
    engine: StartedEngine | None = None
    """The engine this backend started itself (the demo's simulator), stopped with it."""
    engine_url: str | None = None
    """The engine it is connected to, secrets redacted (None: no engine)."""

    @property
    def sim(self) -> Any:
        """The demo's simulator, if this backend started one (tests pause and read it)."""
        return None if self.engine is None else self.engine.handle

    async def stop(self) -> None:
        """Stop in reverse order of start; each step runs even if an earlier one fails."""
        try:
            await self.runtime.stop()
            await self.store.close()
        finally:
            if self.engine is not None:
                await self.engine.stop()
            if self.embedded is not None:
                await asyncio.to_thread(self.embedded.stop)


@dataclass(frozen=True)
class StartedEngine:
    """An engine a backend starts for itself: where to connect, how to stop it, what the
    status line says of it, and a handle for tests (the simulator)."""

    url: str
    stop: Callable[[], Awaitable[None]]
    note: str = ""
    handle: Any = None


EngineStarter = Callable[[Store, Path, str], Awaitable[StartedEngine]]
"""Starts an engine beside the backend (store, data dir, DSN): the demo command passes
perfdesk.demo_desk.start_demo_engine; the live backend never starts one itself."""


async def start_backend(
    dsn: str | None,
    engine_url: str | None,
    *,
    demo: bool = False,
    token: str | None = None,
    data_dir: Path | None = None,
    ca_file: str | None = None,
    fresh: bool = False,
    engine: EngineStarter | None = None,
) -> Backend:
    """`demo` uses the demo's own database; `fresh` (the demo's --fresh) drops it and its
    spool first (without it the demo keeps its database). `engine` starts an engine when
    no `engine_url` is given (the demo's simulator, which resumes where the database
    ends)."""
    data_dir = data_dir or default_data_dir()
    embedded = None
    if dsn is None:
        embedded = EmbeddedPostgres(data_dir / "db")
        admin_dsn = await asyncio.to_thread(embedded.start)
    started: StartedEngine | None = None
    fresh = demo and fresh
    try:
        if embedded is not None:
            name = DEMO_DATABASE if demo else APP_DATABASE
            dsn = await ensure_database(admin_dsn, name, fresh)
        assert dsn is not None
        store = await Store.open(dsn, **({} if embedded else password_kwargs(dsn)))
        try:
            if engine is not None and engine_url is None:
                started = await engine(store, data_dir, dsn)
                engine_url = started.url
            source = (
                None
                if engine_url is None
                else open_source(SourceConfig(engine_url, token=token, ca_file=ca_file))
            )
            runtime = Runtime(
                store,
                source,
                spool_dir=spool_directory(data_dir, dsn, fresh=fresh),
                upkeep=DESK_UPKEEP,
            )
        except BaseException:
            await store.close()
            raise
        try:
            await runtime.start()
        except BaseException:
            if runtime.spool is not None:
                runtime.spool.close()
            await store.close()
            raise
    except BaseException:  # leave nothing running behind a failed start
        if started is not None:
            await started.stop()
        if embedded is not None:
            await asyncio.to_thread(embedded.stop)
        raise
    where = "embedded PostgreSQL" if embedded else redacted(dsn)
    link = f"Engine {url_secrets.redact(engine_url)}" if engine_url else NO_ENGINE
    description = f"{link} · database: {where}"
    if started is not None and started.note:
        description += f" · {started.note}"
    log.info("backend up: %s", description)
    shown_url = url_secrets.redact(engine_url) if engine_url else None
    return Backend(
        runtime, store, description, embedded=embedded, engine=started, engine_url=shown_url
    )


def spool_directory(data_dir: Path, dsn: str, *, fresh: bool = False) -> Path:
    """The disk spool for one database: events wait there while it is unreachable.

    Keyed by the database's address (never its password), so two databases never
    share a spool; `fresh` (the demo's --fresh, whose database is recreated) empties it.
    """
    key = hashlib.sha256(redacted(dsn).encode()).hexdigest()[:16]
    path = data_dir / "spool" / key
    if fresh and path.exists():
        shutil.rmtree(path)
    return path


async def ensure_database(admin_dsn: str, name: str, fresh: bool = False) -> str:
    """Create database `name` on the server if missing (drop it first when `fresh`)."""
    if not _IDENTIFIER.match(name):
        raise BackendError(f"invalid database name {name!r}")
    conn = await asyncpg.connect(admin_dsn)
    try:
        if fresh:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return with_database(admin_dsn, name)
