"""Where an adapter source keeps its engine's cursor between runs.

Engines other than protocol v1 have no per-strategy seq: the adapter assigns seqs itself
and remembers what it has taken from the engine (Freqtrade's order ids, a Redis stream
entry id) in a cursor. The cursor is saved *before* the events it covers are handed to
the sink (write-ahead) with the highest seq assigned so far: every stored event is then
covered by a saved cursor, and on restart the adapter compares the saved seq with the
last seq stored (the runtime's resume callback) to find what was taken but never
stored, and takes it again under the same or the next seqs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import orjson

Cursor = dict[str, Any]
"""An adapter's own cursor, JSON-serialisable (stored as jsonb)."""


@dataclass(frozen=True, slots=True)
class SavedCursor:
    cursor: Cursor
    seq: int
    """The highest seq the source had assigned when it saved `cursor`."""


class CursorStore(Protocol):
    """Durable cursors, one per (source, strategy)."""

    async def load(self, source: str) -> dict[str, SavedCursor]: ...

    async def save(self, source: str, strategy_id: str, saved: SavedCursor) -> None: ...


class MemoryCursorStore:
    """Cursors kept in this process only (tests; a runtime without a database)."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], SavedCursor] = {}
        self.saves = 0

    async def load(self, source: str) -> dict[str, SavedCursor]:
        return {sid: c for (src, sid), c in self.rows.items() if src == source}

    async def save(self, source: str, strategy_id: str, saved: SavedCursor) -> None:
        # round-trip through JSON like the database does: no aliasing with the caller
        copy = SavedCursor(orjson.loads(orjson.dumps(saved.cursor)), saved.seq)
        self.rows[(source, strategy_id)] = copy
        self.saves += 1


class PgCursorStore:
    """Cursors in the `engine_cursors` table (migration 0700)."""

    def __init__(self, pool: Any) -> None:
        self._pool = pool

    async def load(self, source: str) -> dict[str, SavedCursor]:
        rows = await self._pool.fetch(
            "SELECT strategy_id, cursor::text AS cursor, seq FROM engine_cursors WHERE source = $1",
            source,
        )
        return {r["strategy_id"]: SavedCursor(orjson.loads(r["cursor"]), r["seq"]) for r in rows}

    async def save(self, source: str, strategy_id: str, saved: SavedCursor) -> None:
        await self._pool.execute(
            "INSERT INTO engine_cursors (source, strategy_id, cursor, seq)"
            " VALUES ($1, $2, $3::jsonb, $4)"
            " ON CONFLICT (source, strategy_id) DO UPDATE"
            " SET cursor = EXCLUDED.cursor, seq = EXCLUDED.seq, updated_at = now()",
            source,
            strategy_id,
            orjson.dumps(saved.cursor).decode(),
            saved.seq,
        )
