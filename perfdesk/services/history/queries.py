"""The few reads the history service needs beyond `Store` (parameterised SQL only).

Each takes the Store's asyncpg pool and runs on the loop that owns it (the backend loop).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import numpy as np

from perfdesk.domain.expectations import Expectations
from perfdesk.services.store.equity_reads import (
    FIRST_SAMPLE_SQL,
    MINUTE_BARS_FUNCTION,
    minute_bars_source,
    split_range,
)
from perfdesk.services.store.packed_reads import F8, TS, packed_select, unpack_parts
from perfdesk.services.store.segment_reads import raw_minute_closes
from perfdesk.services.store.store import expectations_of_row

_SPAN_SQL = """
WITH d AS MATERIALIZED (
    SELECT (SELECT bucket FROM rollup_1d WHERE strategy_id = $1 ORDER BY bucket LIMIT 1) AS lo,
           (SELECT bucket FROM rollup_1d WHERE strategy_id = $1 ORDER BY bucket DESC LIMIT 1)
           AS hi)
SELECT (SELECT min(bucket) FROM d, bars_1m($1::text, d.lo, d.lo + interval '1 day')),
       (SELECT max(bucket) FROM d, bars_1m($1::text, d.hi, d.hi + interval '1 day'))
"""


async def data_span(pool: Any, strategy_id: str) -> tuple[datetime, datetime] | None:
    """(first, last) 1-minute bucket start of a strategy's stored data; None if none.

    The first and last daily bars (two index probes), then the 1-minute bars of those
    two days (`bars_1m`: stored bars, or the raw rows of a strategy in raw mode): cheap
    at any size.
    """
    row = await pool.fetchrow(_SPAN_SQL, strategy_id)
    if row is None or row[0] is None:
        return None
    return row[0], row[1]


async def first_sample_ts(
    pool: Any, strategy_id: str, span: tuple[datetime, datetime] | None = None
) -> datetime | None:
    """Time of the strategy's first equity sample ever (its go-live), None if none.

    The first 1-minute bar (from `span`, the strategy's `data_span`, when the caller
    has it), then its rows by primary key (its open_seq..close_seq): three index probes
    and one bar's rows, at any size (equity has no ts index)."""
    span = span or await data_span(pool, strategy_id)
    if span is None:
        return None
    first: datetime | None = await pool.fetchval(FIRST_SAMPLE_SQL, strategy_id, span[0])
    return first or span[0]


async def strategy_meta(pool: Any, strategy_id: str) -> tuple[str, Expectations | None] | None:
    """(display name, stored expectations) of one strategy; None if unknown."""
    row = await pool.fetchrow(
        "SELECT name, expectations FROM strategies WHERE strategy_id = $1", strategy_id
    )
    if row is None:
        return None
    raw = row["expectations"]
    return row["name"], expectations_of_row(strategy_id, raw) if raw else None


async def strategy_ids(pool: Any) -> list[tuple[str, str]]:
    """(strategy_id, name) of every strategy with stored data or a registration."""
    rows = await pool.fetch(
        "SELECT strategy_id, name FROM strategies UNION"
        " SELECT strategy_id, strategy_id FROM ingest_state"
        " WHERE strategy_id NOT IN (SELECT strategy_id FROM strategies) ORDER BY 1"
    )
    return [(r["strategy_id"], r["name"]) for r in rows]


def _closes_sql(source: str) -> str:
    return packed_select(
        [("bucket", TS), ("close", F8)],
        f"{source} WHERE strategy_id = $1 AND bucket >= $2 AND bucket < $3 AND close IS NOT NULL",
        "bucket",
    )


async def bar_closes(
    pool: Any, resolution: str, strategy_id: str, start: datetime, end: datetime
) -> tuple[np.ndarray, np.ndarray]:
    """(bar END time in POSIX s, close equity) of the 1m or 1d bars in [start, end).

    Only the two columns the equity chart needs, each read as one packed bytea
    (`packed_reads`: 6 months of 1-minute bars cost the client 2.5 ms of CPU instead of
    29–44 ms as binary COPY rows, the same values). A long 1-minute range is read as
    two halves on two connections at once (two server processes share the scan).
    """
    parts: list[tuple[Any, Any]] = [(start, end)]
    if resolution == "1m":
        source = await minute_bars_source(pool, strategy_id)
        if source == MINUTE_BARS_FUNCTION:  # raw mode: segments and raw rows, decoded here
            t, close = await raw_minute_closes(pool, strategy_id, start, end)
            return t + 60.0, close
        query, width = _closes_sql(source), 60.0
        parts = await split_range(pool, strategy_id, start, end)  # two halves at once
    else:
        query, width = _closes_sql("rollup_1d"), 86_400.0
    halves = await asyncio.gather(*(pool.fetchrow(query, strategy_id, a, b) for a, b in parts))
    t, close = unpack_parts(halves, (TS, F8))
    return t + width, close
