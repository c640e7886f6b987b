"""The 1-minute closes of a strategy in raw mode, decoded client-side from both forms.

A strategy that reports at most once a minute keeps no 1-minute bars (migration 0600):
its bars are its raw rows, and after `compaction.DEFAULT_AFTER_DAYS` those rows live in
columnar segments (migration 0603). `bars_1m()` reads them in SQL: `equity_rows()`
unnests each segment, the timestamps are rebuilt with interval arithmetic, every row is
truncated to its minute three times, joined with the minute's fills and sorted. For 6
months of such a strategy that cost the server ≈0.58 s of CPU per read, against
≈0.05 s for the same 263,001 closes of a strategy with stored bars (docs/history.md).

`raw_minute_closes` asks the server for the segments as they are stored (each array as
its binary form, `array_send`) and the not yet compacted rows as packed columns
(`packed_reads`), and does the rest in numpy: ts = base_ts + i × step + residual, in
exact int64 microseconds, then the minute, the range and the order. Only the closes
are read: a minute with fills but no sample has no close, so fills do not matter here.
The result equals `SELECT bucket, close FROM bars_1m(...) WHERE close IS NOT NULL
ORDER BY bucket` value for value (tests/services/test_segment_reads.py).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from perfdesk.services.store.packed_reads import (
    F8,
    I8,
    US,
    array_values,
    packed_select,
    unpack,
)

MINUTE_US = 60_000_000
_MINUTE = timedelta(minutes=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_BOUNDS_SQL = """
SELECT min(open_seq), max(close_seq) FROM rollup_1d
WHERE strategy_id = $1 AND bucket >= date_trunc('day', $2::timestamptz, 'UTC') AND bucket < $3
"""
"""The seqs of every row of the days the range touches (as bars_1m's raw branch)."""

_SEGMENTS_SQL = """
SELECT base_ts, ts_step_us, first_seq, array_send(seq_gap), array_send(ts_res_us),
       array_send(equity)
FROM equity_segments
WHERE strategy_id = $1 AND first_seq <= $3 AND last_seq >= $2
  AND min_ts < $5 AND max_ts >= $4
ORDER BY first_seq
"""

_STORED_SQL = packed_select(
    [("bucket", US), ("close", F8)],
    "rollup_1m WHERE strategy_id = $1 AND bucket >= $2 AND bucket < $3 AND close IS NOT NULL",
    "bucket",
)
"""Bars a raw-mode strategy does have: those retention built before dropping its raw
rows (retention.py keeps 1-minute bars longer than raw rows)."""

_ROWS_SQL = packed_select(
    [("ts", US), ("equity", F8), ("seq", I8)],
    "equity WHERE strategy_id = $1 AND seq >= $2 AND seq <= $3 AND ts >= $4 AND ts < $5",
    "seq",
)


async def raw_minute_closes(
    pool: Any, strategy_id: str, start: datetime, end: datetime
) -> tuple[np.ndarray, np.ndarray]:
    """(bar start in POSIX s, close) of a raw-mode strategy's rows whose minute is in
    [start, end), in minute order; the segments and the raw rows read at once."""
    stored, (lo, hi) = await asyncio.gather(
        pool.fetchrow(_STORED_SQL, strategy_id, start, end),
        pool.fetchrow(_BOUNDS_SQL, strategy_id, start, end),
    )
    minute, equity = unpack(stored, (US, F8))
    if lo is not None:
        raw_minute, raw_equity = await _raw_rows(pool, strategy_id, (lo, hi), start, end)
        minute, equity = np.concatenate([minute, raw_minute]), np.concatenate([equity, raw_equity])
    if minute.size > 1 and not bool((minute[1:] > minute[:-1]).all()):
        minute, equity = _one_per_minute(minute, equity)
    return minute / 1e6, equity  # exact int64 µs -> the correctly rounded seconds


def _one_per_minute(minute: np.ndarray, equity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Minute order, and one close per minute: the stored bar's (it comes first). In raw
    mode no minute has both — a sample at or before the latest stored minute switches
    the strategy to stored bars (store/sql.py) — but a read that raced that switch would
    see the new bars and the rows they were built from."""
    order = np.argsort(minute, kind="stable")
    minute, equity = minute[order], equity[order]
    first = np.ones(minute.size, dtype=bool)
    first[1:] = minute[1:] != minute[:-1]
    return minute[first], equity[first]


async def _raw_rows(
    pool: Any, strategy_id: str, seqs: tuple[int, int], start: datetime, end: datetime
) -> tuple[np.ndarray, np.ndarray]:
    """(minute µs, equity) of the rows in segments and in `equity` with seq in `seqs`
    [lo, hi] and minute in [start, end), in no particular order."""
    lo, hi = seqs
    # a minute starts up to a minute before its rows' ts (bars_1m's margin)
    args = (strategy_id, lo, hi, start - _MINUTE, end + _MINUTE)
    segments, rows = await asyncio.gather(
        pool.fetch(_SEGMENTS_SQL, *args), pool.fetchrow(_ROWS_SQL, *args)
    )
    parts = [_segment(s) for s in segments] + [unpack(rows, (US, F8, I8))]
    ts_us, equity, seq = (np.concatenate([p[i] for p in parts]) for i in range(3))
    minute = ts_us // MINUTE_US * MINUTE_US
    keep = (minute >= _micros(start)) & (minute < _micros(end)) & (seq >= lo) & (seq <= hi)
    return minute[keep], equity[keep]


def _segment(row: Any) -> list[np.ndarray]:
    """(ts µs after 1970, equity, seq) of one segment's rows (migration 0603's
    encoding: ts = base_ts + i × ts_step_us + ts_res_us[i], seq = first_seq + i +
    seq_gap[i])."""
    gap = array_values(row[3], I8)
    index = np.arange(gap.size, dtype=np.int64)
    ts_us = _micros(row[0]) + index * int(row[1]) + array_values(row[4], I8)
    return [ts_us, array_values(row[5], F8), int(row[2]) + index + gap]


def _micros(ts: datetime) -> int:
    """A timestamp as exact integer microseconds after 1970-01-01 UTC."""
    delta = ts - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
