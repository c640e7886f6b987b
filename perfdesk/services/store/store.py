"""Store: the one query layer over PostgreSQL / TimescaleDB (asyncpg pool).

Event writes (the live fast path, replays, gap fills) are in event_writes.py, a base
class of Store.

Every read and write of perfdesk's tables goes through here; SQL is always
parameterised. Coroutines run on the event loop that opened the store.
Event writes are idempotent on (strategy_id, seq) across restarts and replays.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import asyncpg
import numpy as np

from perfdesk.domain.events import StrategyInfo
from perfdesk.domain.expectations import Expectations, stored_expectations
from perfdesk.domain.status import StrategyState
from perfdesk.domain.verdict import Verdict
from perfdesk.services.store import database, equity_reads, retention
from perfdesk.services.store import sql as store_sql
from perfdesk.services.store.event_writes import KINDS, EventWrites
from perfdesk.services.store.packed_reads import F8, TS, packed_select, unpack_parts

log = logging.getLogger(__name__)

MAX_DEAD_LETTER_BYTES = 256 * 1024
"""Raw frames longer than this are stored truncated (raw_len keeps the real length)."""

_COPY_HEADER = 19  # signature (11) + flags (4) + header extension length (4)
BAR_FIELDS = (
    "open", "high", "low", "close", "realized_pnl", "unrealized_pnl", "samples", "fills",
    "fees", "notional", "slippage_cost", "slippage_notional",
)  # fmt: skip


@dataclass(frozen=True)
class Bars:
    """Rollup bars of one strategy as float64 numpy arrays, oldest first.

    `bucket` is the bar's start in epoch seconds (UTC); price fields are NaN for a bar
    with fills but no equity sample. Slippage in bps = slippage_cost / slippage_notional
    * 1e4; P&L of a bar = its close minus the previous bar's close.
    """

    bucket: np.ndarray
    columns: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.bucket)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]


def parse_binary_floats(data: bytes, ncols: int) -> np.ndarray:
    """Rows of a binary COPY whose columns are all non-NULL float8 -> (n, ncols) array."""
    tail = 2  # the -1 trailer
    ext = int.from_bytes(data[15:19], "big")
    body = memoryview(data)[_COPY_HEADER + ext : len(data) - tail]
    fields = [("n", ">i2")]
    for i in range(ncols):
        fields += [(f"l{i}", ">i4"), (f"v{i}", ">f8")]
    rows = np.frombuffer(body, dtype=np.dtype(fields))
    if len(rows) and ((rows["n"] != ncols).any() or (rows["l0"] != 8).any()):
        raise ValueError("binary COPY rows are not all non-NULL float8")
    out = np.empty((len(rows), ncols), dtype=np.float64)
    for i in range(ncols):
        out[:, i] = rows[f"v{i}"]
    return out


def expectations_of_row(strategy_id: str, raw: str) -> Expectations:
    """Stored expectations; a profile that no longer validates is dropped, and said."""
    expectations, note = stored_expectations(raw)
    if note is not None:
        log.warning("strategy %s: %s; judged on its summary expectations", strategy_id, note)
    return expectations


@dataclass(frozen=True)
class DeadLetter:
    id: int
    received_at: datetime
    raw: bytes
    raw_len: int
    reason: str


async def _maybe_timescale(
    pool: Any, wanted: bool | None, policy: database.TimescalePolicy | None
) -> None:
    """Enable hypertables if asked to, or if available and not refused."""
    if wanted is False or (wanted is None and not await database.timescale_available(pool)):
        return
    try:
        await database.enable_timescale(pool, policy)
    except asyncpg.PostgresError as exc:
        if wanted:
            raise
        log.warning("TimescaleDB is installed but could not be enabled (%s); plain tables", exc)


async def _init_connection(conn: Any) -> None:
    """Per-connection setup: the temporary staging tables used by write_events."""
    await conn.execute(store_sql.create_stage_tables_sql())


class Store(EventWrites):
    """Pool-backed access to every perfdesk table. Create with `await Store.open(dsn)`."""

    def __init__(self, pool: Any, *, timescale: bool, use_copy: bool = True) -> None:
        self._pool = pool
        self.timescale = timescale
        self.use_copy = use_copy
        self._copied: dict[str, int] = {}  # highest seq per strategy a gated COPY sent
        self._direct_sql = store_sql.write_events_sql(direct=True)
        self._staged_sql = store_sql.write_events_sql(direct=False)

    @classmethod
    async def open(
        cls,
        dsn: str,
        *,
        min_size: int = 1,
        max_size: int = 5,
        use_copy: bool = True,
        timescale: bool | None = None,
        timescale_policy: database.TimescalePolicy | None = None,
        **pool_kw: Any,
    ) -> Store:
        """Connect, apply pending migrations, and set up the TimescaleDB path.

        `timescale=None` uses TimescaleDB when the server offers it (hypertables,
        compression, retention per `timescale_policy`), True requires it, False keeps
        plain tables. `use_copy=False` stages rows with unnest() instead of COPY (servers
        that cannot COPY, such as PGlite); other keywords go to asyncpg.create_pool.
        """
        pool = await database.create_pool(
            dsn, min_size=min_size, max_size=max_size, init=_init_connection, **pool_kw
        )
        try:
            await database.migrate(pool)
            if timescale_policy is None:  # the stored retention setting (Settings)
                timescale_policy = retention.policy_for(await retention.load_retention(pool))
            await _maybe_timescale(pool, timescale, timescale_policy)
            hypertables = await database.hypertables_enabled(pool)
        except BaseException:
            pool.terminate()
            raise
        return cls(pool, timescale=hypertables, use_copy=use_copy)

    @property
    def pool(self) -> Any:
        """The asyncpg pool (for services that need LISTEN/NOTIFY or a raw connection)."""
        return self._pool

    async def close(self, grace_s: float = 10.0) -> None:
        """Close the pool gracefully; connections still busy after `grace_s` are cut."""
        try:
            await asyncio.wait_for(self._pool.close(), grace_s)
        except TimeoutError:
            log.warning("store pool did not close within %.0f s; terminating it", grace_s)
            self._pool.terminate()

    # -- strategies -------------------------------------------------------------

    async def upsert_strategy(self, info: StrategyInfo) -> None:
        """Insert or update a strategy. Expectations sent as None keep the stored ones, and
        so does a strategy with a saved version (Strategy setup): a person's profile wins
        over the engine's announcement (migration 0801)."""
        exp = info.expectations.model_dump_json() if info.expectations else None
        await self._pool.execute(
            "INSERT INTO strategies (strategy_id, name, state, expectations, updated_at)"
            " VALUES ($1, $2, $3, $4::jsonb, now()) ON CONFLICT (strategy_id) DO UPDATE SET"
            " name = EXCLUDED.name, state = EXCLUDED.state,"
            " expectations = CASE WHEN EXISTS (SELECT 1 FROM expectations e"
            "   WHERE e.strategy_id = EXCLUDED.strategy_id AND e.source <> 'engine')"
            "   THEN strategies.expectations"
            "   ELSE coalesce(EXCLUDED.expectations, strategies.expectations) END,"
            " updated_at = now()",
            info.strategy_id,
            info.name,
            str(info.status),
            exp,
        )

    async def saved_expectations(
        self, strategy_ids: Collection[str] | None = None
    ) -> dict[str, Expectations]:
        """The latest saved (not engine-announced) expectations per strategy, of
        `strategy_ids` only if given."""
        rows = await self._pool.fetch(
            "SELECT DISTINCT ON (strategy_id) strategy_id, profile FROM expectations"
            " WHERE source <> 'engine' AND ($1::text[] IS NULL OR strategy_id = ANY($1))"
            " ORDER BY strategy_id, version DESC",
            None if strategy_ids is None else list(strategy_ids),
        )
        return {r["strategy_id"]: expectations_of_row(r["strategy_id"], r["profile"]) for r in rows}

    async def strategies(self) -> list[StrategyInfo]:
        rows = await self._pool.fetch(
            "SELECT strategy_id, name, state, expectations FROM strategies ORDER BY strategy_id"
        )
        return [
            StrategyInfo(
                strategy_id=r["strategy_id"],
                name=r["name"],
                status=StrategyState(r["state"]),
                expectations=(
                    expectations_of_row(r["strategy_id"], r["expectations"])
                    if r["expectations"]
                    else None
                ),
            )
            for r in rows
        ]

    # -- events -----------------------------------------------------------------

    async def last_seqs(self) -> dict[str, int]:
        """Highest stored seq per strategy, over equity, fills and statuses (resume)."""
        rows = await self._pool.fetch("SELECT strategy_id, last_seq FROM ingest_state")
        return {r["strategy_id"]: r["last_seq"] for r in rows}

    async def count_events(self, strategy_id: str | None = None) -> int:
        """Stored events (all kinds, compacted equity rows included), for one strategy or all."""
        total = 0
        for kind in KINDS:
            total += await self._pool.fetchval(
                f"SELECT count(*) FROM {kind} WHERE $1::text IS NULL OR strategy_id = $1",  # noqa: S608 (fixed table names)
                strategy_id,
            )
        compacted: int = await self._pool.fetchval(
            "SELECT coalesce(sum(n), 0)::bigint FROM equity_segments"
            " WHERE $1::text IS NULL OR strategy_id = $1",
            strategy_id,
        )
        return total + compacted

    async def seqs(self, strategy_id: str) -> list[int]:
        """Every stored seq of a strategy across kinds, sorted (repeats would show twice)."""
        rows = await self._pool.fetch(
            f"SELECT seq FROM equity_rows($1, {store_sql.SEQ_MIN}, {store_sql.SEQ_MAX})"  # noqa: S608 (constants)
            " UNION ALL"
            " SELECT seq FROM fills WHERE strategy_id = $1 UNION ALL"
            " SELECT seq FROM statuses WHERE strategy_id = $1 ORDER BY 1",
            strategy_id,
        )
        return [r["seq"] for r in rows]

    # -- history reads ------------------------------------------------------------

    async def rollups(
        self,
        strategy_id: str,
        resolution: Literal["1m", "1d"],
        start: datetime | None = None,
        end: datetime | None = None,
        *,
        fields: Sequence[str] = BAR_FIELDS,
    ) -> Bars:
        """Bars in [start, end) (bucket start times), each column read as one packed
        bytea (`packed_reads`).

        1-minute bars are the stored bars, or the raw rows of a strategy in raw mode
        (migration 0600; `equity_reads.minute_bars_source`); a long range is read as two
        halves on two connections at once (`equity_reads.split_range`). Ask only for the
        `fields` you need: 6 months of 1-minute bars are 262,800 rows, and each column
        costs transfer and decoding.
        """
        unknown = set(fields) - set(BAR_FIELDS)
        if unknown:
            raise ValueError(f"unknown bar fields {sorted(unknown)}; known: {BAR_FIELDS}")
        if resolution not in ("1m", "1d"):
            raise ValueError(f"unknown resolution {resolution!r}; use '1m' or '1d'")
        source = "rollup_1d"
        if resolution == "1m":
            source = await equity_reads.minute_bars_source(self._pool, strategy_id)
        columns = [("bucket", TS)] + [(f"coalesce({c}::float8, 'NaN')", F8) for c in fields]
        query = packed_select(
            columns,
            f"{source} WHERE strategy_id = $1 AND ($2::timestamptz IS NULL OR bucket >= $2)"
            " AND ($3::timestamptz IS NULL OR bucket < $3)",
            "bucket",
        )
        parts = [(start, end)]
        if resolution == "1m":
            parts = await equity_reads.split_range(self._pool, strategy_id, start, end)
        rows = await asyncio.gather(
            *(self._pool.fetchrow(query, strategy_id, a, b) for a, b in parts)
        )
        cols = unpack_parts(rows, [kind for _, kind in columns])
        return Bars(cols[0], dict(zip(fields, cols[1:], strict=True)))

    async def equity_series(
        self, strategy_id: str, start: datetime | None = None, end: datetime | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Raw equity samples in [start, end) (None = open end), in (ts, seq) order:
        (epoch seconds, equity). Located through the rollups' seq ranges and read by
        primary key (`equity` has no ts index; see equity_reads)."""
        async with self._pool.acquire() as conn:
            return await equity_reads.read_range(
                conn, strategy_id, start, end, parse=parse_binary_floats, use_copy=self.use_copy
            )

    # -- dead letters and verdicts -------------------------------------------------

    async def add_dead_letter(self, raw: str | bytes, reason: str) -> None:
        """Keep a frame that failed validation, exactly as received (bytes), with why."""
        data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else bytes(raw)
        await self._pool.execute(
            "INSERT INTO dead_letters (raw, raw_len, reason) VALUES ($1, $2, $3)",
            data[:MAX_DEAD_LETTER_BYTES],
            len(data),
            reason,
        )

    async def dead_letters(self, limit: int = 100) -> list[DeadLetter]:
        """Most recent dead letters first."""
        rows = await self._pool.fetch(
            "SELECT id, received_at, raw, raw_len, reason FROM dead_letters"
            " ORDER BY id DESC LIMIT $1",
            limit,
        )
        return [DeadLetter(**dict(r)) for r in rows]

    async def count_dead_letters(self) -> int:
        count: int = await self._pool.fetchval("SELECT count(*) FROM dead_letters")
        return count

    async def save_verdict(self, v: Verdict) -> None:
        rules = json.dumps([r.model_dump(mode="json") for r in v.rules])
        await self._pool.execute(
            "INSERT INTO verdicts (strategy_id, ts, status, rules) VALUES ($1, $2, $3, $4::jsonb)",
            v.strategy_id,
            v.ts,
            str(v.status),
            rules,
        )
