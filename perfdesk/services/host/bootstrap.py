"""Bring the backend up and down: database (embedded or DSN), simulator (demo), runtime.

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
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import platformdirs

from perfdesk.domain import url_secrets
from perfdesk.services.engine.source import SourceConfig
from perfdesk.services.engine.sources import open_source
from perfdesk.services.host.demo_desk import demo_engine
from perfdesk.services.runtime.desk import DeskRuntime
from perfdesk.services.runtime.local import Runtime
from perfdesk.services.store.dsn import password_kwargs, redacted, with_database
from perfdesk.services.store.embedded_db import EmbeddedPostgres
from perfdesk.services.store.store import Store
from perfdesk.services.support.loop_thread import LoopThread
from perfdesk.sim.server import Simulator

log = logging.getLogger(__name__)

APP_DATABASE = "perfdesk"
DEMO_DATABASE = "perfdesk_demo"
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
    sim_thread: LoopThread | None = None
    sim: Simulator | None = None

    async def stop(self) -> None:
        """Stop in reverse order of start; each step runs even if an earlier one fails."""
        try:
            await self.runtime.stop()
            await self.store.close()
        finally:
            if self.sim is not None and self.sim_thread is not None:
                await self.sim_thread.acall(self.sim.stop())
                self.sim_thread.close()
            if self.embedded is not None:
                await asyncio.to_thread(self.embedded.stop)


async def start_backend(
    dsn: str | None,
    engine_url: str | None,
    *,
    demo: bool = False,
    token: str | None = None,
    data_dir: Path | None = None,
    ca_file: str | None = None,
    fresh: bool = False,
) -> Backend:
    """`fresh` (the demo's --fresh) drops the demo database and its spool first; without
    it the demo keeps its database and its simulator resumes where that ends."""
    data_dir = data_dir or default_data_dir()
    embedded = None
    if dsn is None:
        embedded = EmbeddedPostgres(data_dir / "db")
        admin_dsn = await asyncio.to_thread(embedded.start)
    sim_thread = sim = None
    demo_note = ""
    fresh = demo and fresh
    try:
        if embedded is not None:
            name = DEMO_DATABASE if demo else APP_DATABASE
            dsn = await ensure_database(admin_dsn, name, fresh)
        assert dsn is not None
        store = await Store.open(dsn, **({} if embedded else password_kwargs(dsn)))
        try:
            if demo and engine_url is None:
                sim_thread = LoopThread("perfdesk-sim")
                # Six strategies with half a year of past; live time starts two months
                # back (on a kept database: where the stored events end).
                stored = await store.last_seqs()
                sim, demo_note = await asyncio.to_thread(demo_engine, data_dir, dsn, stored)
                engine_url = await sim_thread.acall(sim.start())
            source = (
                None
                if engine_url is None
                else open_source(SourceConfig(engine_url, token=token, ca_file=ca_file))
            )
            runtime = Runtime(store, source, spool_dir=spool_directory(data_dir, dsn, fresh=fresh))
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
        if sim is not None and sim_thread is not None:
            await sim_thread.acall(sim.stop())
            sim_thread.close()
        if embedded is not None:
            await asyncio.to_thread(embedded.stop)
        raise
    where = "embedded PostgreSQL" if embedded else redacted(dsn)
    engine = f"Engine {url_secrets.redact(engine_url)}" if engine_url else NO_ENGINE
    description = f"{engine} · database: {where}"
    if demo_note:
        description += f" · {demo_note}"
    log.info("backend up: %s", description)
    return Backend(runtime, store, description, embedded=embedded, sim_thread=sim_thread, sim=sim)


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
