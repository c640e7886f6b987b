"""Store's event writes: the live stream's fast path, replays and gap fills.

`EventWrites` is the part of `Store` that writes events (perfdesk/services/store/store.py
holds the connection, the reads and the other tables). Writes are idempotent on
(strategy_id, seq) across restarts and replays; rollups and the resume point change in
the same transaction as the rows (docs/storage.md, "Writing: exactly once, fast").
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import asyncpg

from perfdesk.domain.events import DataEvent, EquityEvent, FillEvent
from perfdesk.services.store import encode as store_encode
from perfdesk.services.store import sql as store_sql

KINDS = ("equity", "fills", "statuses")
"""The event tables, in the order rows are written."""

Gate = Callable[[], Awaitable[bool]]
"""Awaited by `Store.write_events` before a batch commits: True once the batch before
it is stored, False if that batch was not stored (see StoreWriter's pipeline)."""


class BatchBehind(Exception):
    """The batch before this one was not stored, so this one was not either (its rows
    were rolled back): the writer must store them after that batch, in order."""


async def _pass(gate: Gate | None) -> None:
    if gate is not None and not await gate():
        raise BatchBehind


def event_rows(events: Sequence[DataEvent]) -> tuple[dict[str, list[tuple[Any, ...]]], int]:
    """Split a batch into row tuples per table, keeping the first of any repeated
    (strategy_id, seq). Returns (rows by kind, number of in-batch repeats dropped)."""
    rows: dict[str, list[tuple[Any, ...]]] = {k: [] for k in KINDS}
    seen: set[tuple[str, int]] = set()
    for ev in events:
        key = (ev.strategy_id, ev.seq)
        if key in seen:
            continue
        seen.add(key)
        if isinstance(ev, EquityEvent):
            rows["equity"].append(
                (ev.strategy_id, ev.seq, ev.ts, ev.equity, ev.realized_pnl,
                 ev.unrealized_pnl, ev.position_value)
            )  # fmt: skip
        elif isinstance(ev, FillEvent):
            rows["fills"].append(
                (ev.strategy_id, ev.seq, ev.ts, ev.order_id, ev.symbol, ev.side, ev.qty,
                 ev.price, ev.fee, ev.expected_price)
            )  # fmt: skip
        else:
            rows["statuses"].append((ev.strategy_id, ev.seq, ev.ts, str(ev.status), ev.reason))
    return rows, len(events) - len(seen)


def _split_fresh(
    rows: dict[str, list[tuple[Any, ...]]], last: dict[str, int]
) -> tuple[dict[str, list[tuple[Any, ...]]], dict[str, list[tuple[Any, ...]]]]:
    """(rows above their strategy's stored seq, the others)."""
    fresh: dict[str, list[tuple[Any, ...]]] = {k: [] for k in KINDS}
    old: dict[str, list[tuple[Any, ...]]] = {k: [] for k in KINDS}
    for kind, records in rows.items():
        for r in records:
            (fresh if r[1] > last.get(r[0], 0) else old)[kind].append(r)
    return fresh, old


class EventWrites:
    """Writing events (a base of `Store`, which sets these attributes)."""

    _pool: Any
    timescale: bool
    use_copy: bool
    _copied: dict[str, int]  # highest seq per strategy a gated COPY sent
    _direct_sql: str
    _staged_sql: str

    async def warm_writes(self, connections: int) -> None:
        """Let `connections` pooled connections take the live path once, on an empty
        batch, in a transaction rolled back: its COPYs and the fold of its bars.

        The first batches of a session otherwise pay PostgreSQL's first use of those
        statements on each connection (parsing and planning the fold, loading the
        tables' catalog entries): ≈70 and 40 ms for the first two 20,000-event batches
        against ≈5 ms later (`perfdesk bench ingest`). Nothing is written."""
        if not self.use_copy:
            return
        empty = store_encode.empty_batch()

        async def warm_one() -> None:
            async with self._pool.acquire() as conn:
                tx = conn.transaction()
                await tx.start()
                try:
                    await self._copy_equity(conn, empty)  # no rows: the COPY itself
                    await self._fold_fast(conn, empty)
                finally:
                    await tx.rollback()

        await asyncio.gather(*(warm_one() for _ in range(connections)))

    async def write_events(self, events: Sequence[DataEvent], gate: Gate | None = None) -> int:
        """Store a batch; rows already stored (same strategy_id, seq) are skipped.

        Returns the number of rows actually inserted. Rollups and the resume point are
        updated in the same transaction. A batch of the live stream (every seq above its
        strategy's stored seq, no repeats) takes the fast path: equity rows as one
        numpy-built binary COPY, bars computed from the batch (store_encode). Other rows
        above the stored seq are COPYed and read back for the rollups; the rest (replays,
        gap fills) go through staging tables and `ON CONFLICT DO NOTHING`.

        `gate` lets a writer keep two batches in the database at once (StoreWriter's
        pipeline): it is awaited after this batch's rows are COPYed and before its
        rollups, resume point and commit, and resolves once the previous batch is settled
        — True if it was stored, False if not (then this raises `BatchBehind`, having
        stored nothing). Commits therefore stay in batch order and the resume point
        never passes an unstored batch. With a gate the fast path COPYs first and lets
        the primary key find stored rows (a clash rolls back, then the batch is staged).
        """
        if not events:
            await _pass(gate)
            return 0
        encoded = store_encode.encode(events) if self.use_copy else None
        if encoded is not None and encoded.repeats:
            encoded = None
        if encoded is not None and gate is not None:
            inserted = await self._write_fast_gated(encoded, gate)
            if inserted is not None:
                return inserted
        await _pass(gate)  # (again, after a clash: a passed gate stays open)
        rows = None if encoded is not None else event_rows(events)[0]
        if encoded is not None:
            sids = sorted(encoded.sids)
        else:
            assert rows is not None
            sids = sorted({r[0] for kind_rows in rows.values() for r in kind_rows})
        async with self._pool.acquire() as conn:
            try:
                async with conn.transaction():
                    last = await self._lock_resume(conn, sids)
                    if encoded is not None and encoded.all_above(last):
                        await self._copy_fast(conn, encoded)
                        return await self._fold_fast(conn, encoded)
                    if rows is None:
                        rows = event_rows(events)[0]
                    await conn.execute(store_sql.MATERIALIZE_BARS_SQL, sids)
                    return await self._write_general(conn, rows, last)
            except asyncpg.UniqueViolationError:
                if encoded is None:  # the general path resolves clashes itself
                    raise
            # The fast path met a stored (strategy_id, seq): the resume point was behind
            # the table. That transaction is rolled back; stage the batch instead.
            async with conn.transaction():
                await self._lock_resume(conn, sids)
                await conn.execute(store_sql.MATERIALIZE_BARS_SQL, sids)
                return await self._write_staged(conn, event_rows(events)[0])

    async def _write_fast_gated(self, batch: store_encode.EncodedBatch, gate: Gate) -> int | None:
        """The fast path without reading the resume point first; None after a clash
        with a stored row (rolled back: the caller stages the batch).

        A batch whose seqs are not all above those of every batch COPYed before it (a
        replay after a restart) passes the gate before its COPY: its rows could meet the
        previous batch's uncommitted ones, and a lock wait on that batch while it waits
        at its own gate for us would never end."""
        if not batch.all_above(self._copied):
            await _pass(gate)
        for sid, top in zip(batch.sids, batch.seq_max.tolist(), strict=True):
            self._copied[sid] = max(top, self._copied.get(sid, 0))
        async with self._pool.acquire() as conn:
            try:
                async with conn.transaction():
                    await self._copy_fast(conn, batch)
                    await _pass(gate)
                    return await self._fold_fast(conn, batch)
            except asyncpg.UniqueViolationError:
                return None

    @staticmethod
    async def _lock_resume(conn: Any, sids: list[str]) -> dict[str, int]:
        rows = await conn.fetch(store_sql.LOCK_RESUME_SQL, sids)
        return {r["strategy_id"]: r["last_seq"] for r in rows}

    @staticmethod
    async def _copy_equity(conn: Any, batch: store_encode.EncodedBatch) -> None:
        await conn.copy_to_table(
            "equity",
            source=memoryview(store_encode.equity_copy_data(batch)),
            columns=store_sql.STAGE_COLUMNS["equity"],
            format="binary",
        )

    @staticmethod
    async def _copy_fast(conn: Any, batch: store_encode.EncodedBatch) -> None:
        """COPY a live-stream batch's rows. Raises UniqueViolationError if a (strategy_id,
        seq) existed after all (the caller rolls back and stages): no savepoint, whose
        two extra round trips cost every batch."""
        if len(batch.eq_seq):
            await EventWrites._copy_equity(conn, batch)
        for kind, records in (("fills", batch.fills), ("statuses", batch.statuses)):
            if records:
                columns = store_sql.STAGE_COLUMNS[kind]
                await conn.copy_records_to_table(kind, records=records, columns=columns)
        bars = store_encode.equity_bars_copy_data(batch, batch.raw_minutes[0])
        if bars is not None:  # partial 1-minute bars with two samples or more, _fold_fast
            await conn.copy_to_table(
                "stage_bars",
                source=memoryview(bars),
                columns=store_sql.BAR_STAGE_COLUMNS,
                format="binary",
            )

    async def _fold_fast(self, conn: Any, batch: store_encode.EncodedBatch) -> int:
        """Fold the COPYed batch's precomputed bars into the rollups; advance the resume
        point (it only grows: greatest()). A strategy in raw mode (its rows are its
        1-minute bars, migration 0600) leaves rollup_1m alone until a batch puts two
        samples in one minute; then its bars are built from its raw rows."""
        switch = await conn.fetch(
            store_sql.FAST_BARS_SQL,
            batch.sids,
            batch.seq_max.tolist(),
            batch.counts.tolist(),
            *batch.raw_minutes,
            self.timescale,
            *store_encode.fill_bars(batch),
            *store_encode.equity_day_bars(batch),
            *store_encode.fill_day_bars(batch),
            batch.seq_min.tolist(),
        )
        if switch:  # raw-mode strategies whose minutes now hold two samples
            await conn.execute(store_sql.MATERIALIZE_BARS_SQL, [r["sid"] for r in switch])
        return len(batch)

    async def _write_general(
        self, conn: Any, rows: dict[str, list[tuple[Any, ...]]], last: dict[str, int]
    ) -> int:
        """Rows above the stored seq COPYed and read back; the others staged."""
        if not any(rows.values()):
            return 0
        fresh, old = _split_fresh(rows, last)
        inserted = 0
        if self.use_copy and any(fresh.values()):
            direct = await self._write_direct(conn, fresh, last)
            if direct is None:  # resume point was behind the table: stage instead
                old = {k: old[k] + fresh[k] for k in KINDS}
            inserted += direct or 0
        else:
            old = {k: old[k] + fresh[k] for k in KINDS}
        if any(old.values()):
            inserted += await self._write_staged(conn, old)
        return inserted

    async def _write_direct(
        self, conn: Any, rows: dict[str, list[tuple[Any, ...]]], last: dict[str, int]
    ) -> int | None:
        """COPY rows straight into their tables; None if any (strategy_id, seq) existed."""
        try:
            async with conn.transaction():  # a savepoint: a clash rolls back only this
                for kind, records in rows.items():
                    if records:
                        columns = store_sql.STAGE_COLUMNS[kind]
                        await conn.copy_records_to_table(kind, records=records, columns=columns)
        except asyncpg.UniqueViolationError:
            return None
        top: dict[str, int] = {}
        for records in rows.values():
            for r in records:
                top[r[0]] = max(top.get(r[0], 0), r[1])
        sids = sorted(top)
        count: int = await conn.fetchval(
            self._direct_sql, sids, [last.get(s, 0) for s in sids], [top[s] for s in sids]
        )
        return count

    async def _write_staged(self, conn: Any, rows: dict[str, list[tuple[Any, ...]]]) -> int:
        for kind, records in rows.items():
            if records:
                await self._stage(conn, kind, records)
        count: int = await conn.fetchval(self._staged_sql)
        return count

    async def _stage(self, conn: Any, kind: str, records: list[tuple[Any, ...]]) -> None:
        table = store_sql.stage_table(kind)
        columns = store_sql.STAGE_COLUMNS[kind]
        if self.use_copy:
            await conn.copy_records_to_table(table, records=records, columns=columns)
        else:
            await conn.execute(
                store_sql.unnest_stage_sql(kind), *map(list, zip(*records, strict=True))
            )
