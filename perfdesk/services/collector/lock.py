"""EngineLock: PostgreSQL advisory locks that keep two collectors off the same strategies.

A collector of every strategy (`*`) holds the engine's key exclusively. A collector of a
subset holds the engine's key *shared* plus one exclusive key per strategy, so several
collectors can split an engine's strategies between them, while a second collector of
the same strategy (or a `*` collector next to a subset one) is refused.

Session-level locks live as long as the lock's own connection (not a pooled one): a
collector that dies releases them with its connection. `lost` is set if that
connection ends while the collector runs; the collector must stop then.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from perfdesk.services.store.dsn import password_kwargs

log = logging.getLogger(__name__)

ALL = "*"
_KEY = "SELECT hashtextextended($1, 0)"
_HOLDER = """
SELECT l.pid, h.collector_id, h.host, h.pid AS os_pid, h.started_at
FROM pg_locks l
LEFT JOIN collector_heartbeats h ON h.db_pid = l.pid AND h.stopped_at IS NULL
WHERE l.locktype = 'advisory' AND l.granted AND l.pid <> pg_backend_pid()
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.classid::bigint = (($1::bigint >> 32) & 4294967295)
  AND l.objid::bigint = ($1::bigint & 4294967295) AND l.objsubid = 1
LIMIT 1"""


class CollectorLockError(RuntimeError):
    """Another collector already collects (some of) these strategies of this engine."""


def engine_key(engine_url: str) -> str:
    """The engine's identity for locking: its URL lower-case, without a trailing slash,
    query or credentials (it is stored in collector_heartbeats and logged)."""
    parts = urlsplit(engine_url.strip())
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", "")).lower()


class EngineLock:
    def __init__(self, dsn: str, engine: str, strategies: Sequence[str]) -> None:
        self._dsn = dsn
        self.engine = engine_key(engine)
        self.strategies = tuple(strategies) or (ALL,)
        self._conn: Any = None
        self.lost = asyncio.Event()

    @property
    def db_pid(self) -> int | None:
        """The server backend pid holding the locks (shown in collector_heartbeats)."""
        return None if self._conn is None else int(self._conn.get_server_pid())

    async def acquire(self) -> None:
        """Take every key or none; raises CollectorLockError naming the holder."""
        conn = await asyncpg.connect(
            self._dsn,
            server_settings={"application_name": "perfdesk-collector-lock"},
            **password_kwargs(self._dsn),
        )
        try:
            await self._take_all(conn)
        except BaseException:
            await conn.close()
            raise
        conn.add_termination_listener(lambda _c: self.lost.set())
        self._conn = conn

    async def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            await conn.close(timeout=5.0)  # closing the session releases its locks

    async def _take_all(self, conn: Any) -> None:
        for label, shared in self._wanted():
            key = int(await conn.fetchval(_KEY, label))
            fn = "pg_try_advisory_lock_shared" if shared else "pg_try_advisory_lock"
            if not await conn.fetchval(f"SELECT {fn}($1)", key):
                holder = await conn.fetchrow(_HOLDER, key)
                raise CollectorLockError(self._refusal(label, holder))

    def _wanted(self) -> list[tuple[str, bool]]:
        """(lock label, shared?) pairs: the engine key, then one key per strategy."""
        base = f"perfdesk.collector|{self.engine}"
        if ALL in self.strategies:
            return [(base, False)]
        return [(base, True)] + [(f"{base}|{sid}", False) for sid in sorted(self.strategies)]

    def _refusal(self, label: str, holder: Any) -> str:
        parts = label.split("|")
        if len(parts) == 3:
            what = f"strategy {parts[2]!r}"
        elif ALL in self.strategies:
            what = "strategies"
        else:
            what = "every strategy"
        return (
            f"another collector is already collecting {what} of engine {self.engine}: "
            f"{_describe(holder)}. Stop it first, or split the strategies between "
            "collectors with --strategies (disjoint lists)."
        )


def _describe(holder: Any) -> str:
    if holder is None:
        return "a collector whose lock was released while checking (retry)"
    if holder["collector_id"] is None:
        return f"a collector on database backend pid {holder['pid']} (no heartbeat yet)"
    return (
        f"collector {holder['collector_id']!r} on host {holder['host']} (pid {holder['os_pid']}, "
        f"running since {holder['started_at']:%Y-%m-%d %H:%M:%S} UTC)"
    )
