"""Back-fill: months of a strategy's history imported at the speed of COPY.

`import_history(store, strategy_id, history)` stores equity samples (and fills) given as
numpy columns — no event objects — through the live fast path's own pieces: each chunk
becomes an `EncodedBatch`, its rows one binary COPY, its bars computed with numpy and
merged into the rollups in bulk (`Store._copy_fast` / `_fold_fast`), all in one
transaction (an import is stored whole or not at all).

History comes *before* what is stored: the engine owns the seq counter from 1 up, so an
import takes the seqs just below the strategy's lowest stored seq (0, -1, ... for an
empty strategy) in time order, and must end before the stored data begins. The resume
point the engine sees is untouched, rollups merge exactly as for live batches (open and
close by seq = by time), and a strategy that reports once a minute stays in raw mode
(migration 0600) when imported into an empty strategy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from perfdesk.services.store import encode as store_encode
from perfdesk.services.store import sql as store_sql

CHUNK_ROWS = 200_000
PG_EPOCH_US = store_encode.PG_EPOCH_UNIX_S * 1_000_000
UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class HistoryImportError(ValueError):
    """History that cannot be imported (what and why)."""


@dataclass(frozen=True)
class Fills:
    """Fills as columns (ts in Unix microseconds; side +1 buy / -1 sell; expected NaN =
    not sent)."""

    ts_us: np.ndarray
    side: np.ndarray
    qty: np.ndarray
    price: np.ndarray
    fee: np.ndarray
    expected: np.ndarray
    order_id: list[str]
    symbol: list[str]

    def __len__(self) -> int:
        return len(self.ts_us)


@dataclass(frozen=True)
class History:
    """Equity samples as columns, ts in Unix microseconds (any order; sorted on import)."""

    ts_us: np.ndarray
    equity: np.ndarray
    realized_pnl: np.ndarray
    unrealized_pnl: np.ndarray
    position_value: np.ndarray
    fills: Fills | None = None

    def __len__(self) -> int:
        return len(self.ts_us)


@dataclass
class ImportResult:
    equity_rows: int = 0
    fills: int = 0
    first: datetime | None = None
    last: datetime | None = None
    seqs: tuple[int, int] = (0, 0)
    raw_mode: bool = False
    chunks: list[int] = field(default_factory=list)


_STORED_SQL = """
WITH d AS MATERIALIZED (
    SELECT (SELECT bucket FROM rollup_1d WHERE strategy_id = $1 ORDER BY bucket LIMIT 1) AS lo)
SELECT least((SELECT min(seq) FROM equity WHERE strategy_id = $1),
             (SELECT min(first_seq) FROM equity_segments WHERE strategy_id = $1),
             (SELECT min(seq) FROM fills WHERE strategy_id = $1),
             (SELECT min(seq) FROM statuses WHERE strategy_id = $1)) AS low_seq,
       (SELECT min(bucket) FROM d, bars_1m($1::text, d.lo, d.lo + interval '1 day'))
           AS first_minute"""


_REVISIT_SQL = """
UPDATE compaction_marks
SET compacted_before = least(compacted_before, date_trunc('day', $2::timestamptz, 'UTC'))
WHERE strategy_id = $1"""
"""Imported days lie before what compaction has done (migration 0603): it goes back."""


async def import_history(store: Any, strategy_id: str, history: History) -> ImportResult:
    """Store `history` before the strategy's stored data, in one transaction."""
    _check_columns(history)
    times, kinds = _in_time_order(history)
    if not len(times):
        raise HistoryImportError("nothing to import: no equity samples or fills")
    async with store.pool.acquire() as conn, conn.transaction():
        await conn.fetch(store_sql.LOCK_RESUME_SQL, [strategy_id])
        stored = await conn.fetchrow(_STORED_SQL, strategy_id)
        _check_before(strategy_id, times[-1], stored["first_minute"])
        top = (stored["low_seq"] if stored["low_seq"] is not None else 1) - 1
        seqs = np.arange(top - len(times) + 1, top + 1, dtype=np.int64)
        result = ImportResult(seqs=(int(seqs[0]), int(seqs[-1])))
        for lo in range(0, len(times), CHUNK_ROWS):
            part = slice(lo, lo + CHUNK_ROWS)
            batch = _batch(strategy_id, history, kinds[part], times[part], seqs[part])
            await store._copy_fast(conn, batch)
            await store._fold_fast(conn, batch)
            result.equity_rows += len(batch.eq_seq)
            result.fills += len(batch.fills)
            result.chunks.append(len(batch))
        result.raw_mode = not await conn.fetchval(
            "SELECT minute_bars FROM ingest_state WHERE strategy_id = $1", strategy_id
        )
        await conn.execute(_REVISIT_SQL, strategy_id, _when(int(times[0])))
    result.first = _when(int(times[0]))
    result.last = _when(int(times[-1]))
    return result


def _when(unix_us: int) -> datetime:
    return UNIX_EPOCH + timedelta(microseconds=int(unix_us))


def _check_columns(history: History) -> None:
    """Columns of one length each, finite values: what the CSV reader guarantees, also
    for callers that build the columns themselves."""
    groups: list[tuple[str, dict[str, np.ndarray]]] = [("equity", {
        "ts_us": history.ts_us, "equity": history.equity,
        "realized_pnl": history.realized_pnl, "unrealized_pnl": history.unrealized_pnl,
        "position_value": history.position_value,
    })]  # fmt: skip
    if history.fills is not None:
        f = history.fills
        groups.append(("fills", {
            "ts_us": f.ts_us, "side": f.side, "qty": f.qty, "price": f.price, "fee": f.fee,
        }))  # fmt: skip
    for what, columns in groups:
        sizes = {name: len(values) for name, values in columns.items()}
        if len(set(sizes.values())) > 1:
            raise HistoryImportError(f"{what} columns differ in length: {sizes}")
        for name, values in columns.items():
            bad = np.flatnonzero(~np.isfinite(np.asarray(values, dtype=np.float64)))
            if bad.size:
                raise HistoryImportError(
                    f"{what}.{name}: {bad.size} values are not finite (first at row {bad[0]})"
                )


def _check_before(strategy_id: str, last_us: int, first_minute: datetime | None) -> None:
    if first_minute is not None and last_us >= first_minute.timestamp() * 1e6:
        raise HistoryImportError(
            f"{strategy_id}: the history ends at {_when(last_us).isoformat()}, but stored"
            f" data begins at {first_minute.isoformat()} (minute); an import must end"
            " before the strategy's stored data (it is placed before it)"
        )


def _in_time_order(history: History) -> tuple[np.ndarray, np.ndarray]:
    """Every event's ts (equity then fills) in time order, and which it is: index >= 0
    into the equity columns, -1 - index into the fills. Equal times keep equity first."""
    fills = history.fills
    ts = np.concatenate([history.ts_us, fills.ts_us if fills is not None else []]).astype(np.int64)
    which = np.concatenate(
        [np.arange(len(history)), -1 - np.arange(len(fills) if fills is not None else 0)]
    ).astype(np.int64)
    order = np.argsort(ts, kind="stable")
    return ts[order], which[order]


def _batch(
    sid: str, history: History, kinds: np.ndarray, ts: np.ndarray, seqs: np.ndarray
) -> store_encode.EncodedBatch:
    """One chunk as the fast path's EncodedBatch (one strategy, code 0)."""
    eq = kinds >= 0
    index = kinds[eq]
    values = np.column_stack(
        [
            history.equity[index],
            history.realized_pnl[index],
            history.unrealized_pnl[index],
            history.position_value[index],
        ]
    ).astype(np.float64)
    fills: list[tuple[Any, ...]] = []
    if history.fills is not None and (~eq).any():
        f = history.fills
        for k, seq, t in zip((-1 - kinds[~eq]).tolist(), seqs[~eq].tolist(), ts[~eq].tolist(),
                             strict=True):  # fmt: skip
            expected = float(f.expected[k])
            fills.append((
                sid, seq, _when(t), f.order_id[k], f.symbol[k],
                "buy" if f.side[k] > 0 else "sell", float(f.qty[k]), float(f.price[k]),
                float(f.fee[k]), None if np.isnan(expected) else expected,
            ))  # fmt: skip
    return store_encode.EncodedBatch(
        sids=[sid],
        eq_code=np.zeros(int(eq.sum()), dtype=np.int64),
        eq_seq=seqs[eq],
        eq_ts=ts[eq] - PG_EPOCH_US,
        eq_values=values.reshape(-1, 4),
        fills=fills,
        statuses=[],
        seq_min=seqs[:1].copy(),
        seq_max=seqs[-1:].copy(),
        counts=np.array([len(seqs)], dtype=np.int64),
        repeats=False,
    )
