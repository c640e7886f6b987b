"""Read a long series as one row of packed columns: a bytea per column, decoded by numpy.

    sql = packed_select([("bucket", TS), ("close", F8)], "rollup_1m WHERE ...", "bucket")
    t, close = unpack(await conn.fetchrow(sql, ...), (TS, F8))

Each column is `string_agg(<type>send(expr), ''::bytea ORDER BY ...)`: the server
concatenates the values' own binary wire form (an int64 of microseconds since
2000-01-01 UTC for a timestamptz, a big-endian IEEE double for a float8), and the
client views the bytes as an array. The values are exactly those of a binary COPY.

Timestamps go as timestamptz, not `extract(epoch FROM ts)::float8`: since PostgreSQL 14
`extract` returns numeric, and numeric -> float8 cost the server more than the index
scan itself (≈110 of 155 ms for 262,800 bars). `posix_seconds` computes the same double
client-side.

Why not a binary COPY of the rows: each row of a COPY is its own protocol message, and
asyncpg parses every message in turn. For 6 months of 1-minute closes (263,001 rows) the
client spent 29–44 ms of CPU per read against 2.5 ms packed, while the server's CPU
stayed the same (≈45–50 ms: the index scan; measured on the history bench's data,
docs/history.md). A plain SELECT also works on servers that cannot COPY.

Every expression must be non-NULL: `string_agg` skips a NULL, which would shift every
later value of that column against the others (coalesce to 'NaN', or filter). `unpack`
refuses columns of unequal length. Meant for bounded reads (a column is one bytea held
in memory on both sides: 8 bytes a row, 2.1 MB for 6 months of 1-minute bars); a raw
export of millions of rows streams with COPY instead (equity_reads).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

Kind = Literal["ts", "us", "f8", "i8"]
TS: Kind = "ts"
"""timestamptz -> POSIX seconds (float64)."""
US: Kind = "us"
"""timestamptz -> microseconds after 1970-01-01 UTC (int64; exact, for minute arithmetic)."""
F8: Kind = "f8"
"""float8 -> float64."""
I8: Kind = "i8"
"""bigint -> int64."""
PG_EPOCH_US = 946_684_800 * 1_000_000
"""2000-01-01 00:00 UTC (PostgreSQL's epoch) in microseconds after 1970-01-01."""

_SEND = {TS: "timestamptz_send", US: "timestamptz_send", F8: "float8send", I8: "int8send"}


def packed_select(columns: Sequence[tuple[str, Kind]], source: str, order_by: str) -> str:
    """`SELECT` of one packed bytea per (expression, kind), `FROM source`, each in
    `order_by` order (the same order for all: the aggregates share one input order).
    The arguments are SQL text written by the caller, never user input; values go as
    query parameters."""
    parts = [
        f"string_agg({_SEND[kind]}({expr}), ''::bytea ORDER BY {order_by})"
        for expr, kind in columns
    ]
    return f"SELECT {', '.join(parts)} FROM {source}"  # noqa: S608 (callers' fixed SQL)


def posix_seconds(micros_since_2000: np.ndarray) -> np.ndarray:
    """PostgreSQL timestamptz microseconds -> POSIX seconds as float64: the correctly
    rounded (µs + offset) / 1e6, bit for bit `extract(epoch FROM ts)::float8`."""
    return (micros_since_2000.astype(np.int64) + PG_EPOCH_US) / 1e6


def _decode(values: np.ndarray, kind: Kind) -> np.ndarray:
    if kind == TS:
        return posix_seconds(values)
    if kind == US:
        return values.astype(np.int64) + PG_EPOCH_US
    return values.astype(np.float64 if kind == F8 else np.int64)


def unpack(row: Sequence[Any] | None, kinds: Sequence[Kind]) -> list[np.ndarray]:
    """The columns of a `packed_select` row as arrays (see the kinds); empty arrays
    when no row matched (the aggregates give NULL)."""
    out: list[np.ndarray] = []
    for i, kind in enumerate(kinds):
        raw = b"" if row is None or row[i] is None else bytes(row[i])
        if len(raw) % 8:
            raise ValueError(f"packed column {i} has {len(raw)} bytes, not 8 per value")
        values = np.frombuffer(raw, dtype=">f8" if kind == F8 else ">i8")
        out.append(_decode(values, kind))
    if len({a.size for a in out}) > 1:
        sizes = [a.size for a in out]
        raise ValueError(f"packed columns of unequal length {sizes}: a NULL was skipped")
    return out


def unpack_parts(rows: Sequence[Sequence[Any] | None], kinds: Sequence[Kind]) -> list[np.ndarray]:
    """`unpack` of several reads of consecutive ranges (e.g. the two halves of
    `equity_reads.split_range`), each column concatenated in the rows' order."""
    parts = [unpack(row, kinds) for row in rows]
    return [np.concatenate([part[i] for part in parts]) for i in range(len(kinds))]


_ARRAY_HEADER = np.dtype([("ndim", ">i4"), ("flags", ">i4"), ("oid", ">u4")])


def array_values(raw: bytes, kind: Kind) -> np.ndarray:
    """A one-dimensional float8[] / bigint[] / timestamptz[] in PostgreSQL's binary form
    (`array_send(col)`: a header, then a 4-byte length before each 8-byte value),
    without NULLs, as an array of `kind`. Reading an array column as `array_send(...)`
    bytea skips asyncpg's decoding into a Python list, one float object per value."""
    head = np.frombuffer(raw, _ARRAY_HEADER, count=1)[0] if len(raw) >= 12 else None
    if head is None or head["ndim"] not in (0, 1) or head["flags"] != 0:
        raise ValueError("not a one-dimensional array without NULLs in binary form")
    if head["ndim"] == 0:
        return _decode(np.empty(0, ">f8" if kind == F8 else ">i8"), kind)
    count = int.from_bytes(raw[12:16], "big")
    rows = np.frombuffer(
        raw, [("len", ">i4"), ("v", ">f8" if kind == F8 else ">i8")], count=count, offset=20
    )
    if len(raw) != 20 + 12 * count or (rows["len"] != 8).any():
        raise ValueError("array elements are not all 8-byte values")
    return _decode(rows["v"], kind)
