"""Events stored as an older perfdesk stored them (a plain module the upgrade tests share).

The Store's write path is today's: its SQL needs today's schema. Data of an earlier
schema version is seeded with plain INSERTs of the raw rows (version 1) and, from
version 2 on, the resume rows and rollups built by migration 0002's own back-fill
statements — what that version's write path kept in step with the rows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import asyncpg

from perfdesk.domain.events import DataEvent
from perfdesk.services.store import database

_TABLE = {"equity": "equity", "fill": "fills", "status": "statuses"}


async def insert_raw(conn: asyncpg.Connection, events: Sequence[DataEvent]) -> None:
    for ev in events:
        kind = _TABLE[ev.type]
        row = {k: v for k, v in dataclasses.asdict(ev).items() if k != "type"}
        cols = ", ".join(row)
        args = ", ".join(f"${i}" for i in range(1, len(row) + 1))
        values = [str(v) if kind == "statuses" and k == "status" else v for k, v in row.items()]
        await conn.execute(f"INSERT INTO {kind} ({cols}) VALUES ({args})", *values)


async def seed(conn: asyncpg.Connection, version: int, events: Sequence[DataEvent]) -> None:
    """Store `events` into a database migrated up to `version` as that version would."""
    await insert_raw(conn, events)
    if version < 2:
        return
    backfill = next(m for m in database.load_migrations() if m.version == 2).sql
    for statement in backfill.split(";"):
        body = "\n".join(
            line for line in statement.splitlines() if not line.lstrip().startswith("--")
        ).strip()
        if body.startswith("INSERT"):
            await conn.execute(body)
    if version >= 600:  # rows with stored 1-minute bars are in bars mode (0600)
        await conn.execute("UPDATE ingest_state SET minute_bars = true")
