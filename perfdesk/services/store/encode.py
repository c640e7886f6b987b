"""The live stream's fast path in Store.write_events: one batch encoded with numpy.

A batch of the live stream (every seq above its strategy's stored seq, no repeats) is
split by kind once; its equity rows — nearly all of the stream — become columns, then

* the body of a binary `COPY equity FROM STDIN` built as one numpy structured array
  (no per-row encoding in Python or in the driver), and
* its partial 1-minute bars (open/close by seq, high, low, samples, P&L at close) and
  the fills' bars (count, fees, notional, slippage), computed by sorting and `reduceat`,

so the server only appends rows and merges a handful of bars per strategy and minute
instead of reading every inserted row back to aggregate it. The bars are exactly the
aggregates of the rows in the batch (the SQL in store_sql merges them into the stored
bars the same order-independent way as on the general path).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from functools import cached_property
from operator import attrgetter
from typing import Any

import numpy as np

from perfdesk.domain.events import DataEvent, EquityEvent, FillEvent

PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
PG_EPOCH_UNIX_S = 946_684_800
_US = timedelta(microseconds=1)
_MINUTE_US = 60_000_000
COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, no extension
COPY_TRAILER = b"\xff\xff"

_FILL = attrgetter(
    "strategy_id", "seq", "ts", "order_id", "symbol", "side", "qty", "price", "fee",
    "expected_price",
)  # fmt: skip

Row = tuple[Any, ...]


@dataclass(frozen=True)
class EncodedBatch:
    """One batch split by kind, with its per-strategy seq range.

    `sids` are the distinct strategy ids; the `*_code` arrays index into them. Fills and
    statuses stay row tuples (rare; COPYed by the driver), in the columns of store_sql.
    """

    sids: list[str]
    eq_code: np.ndarray  # int64 per equity row
    eq_seq: np.ndarray  # int64
    eq_ts: np.ndarray  # int64, microseconds since 2000-01-01 UTC (PostgreSQL's epoch)
    eq_values: np.ndarray  # (n, 4) float64: equity, realized, unrealized, position value
    fills: list[Row]
    statuses: list[Row]
    seq_min: np.ndarray  # per sid
    seq_max: np.ndarray  # per sid
    counts: np.ndarray  # events per sid
    repeats: bool  # a (strategy_id, seq) occurs twice in the batch

    def __len__(self) -> int:
        return int(self.counts.sum())

    @cached_property
    def raw_minutes(self) -> tuple[list[bool], list[float | None], list[float | None]]:
        """(ok, first minute, last minute) per strategy: see `raw_minutes`."""
        return raw_minutes(self)

    def all_above(self, last: dict[str, int]) -> bool:
        """True when every event's seq is above its strategy's seq in `last` (or 0)."""
        return all(int(lo) > last.get(s, 0) for s, lo in zip(self.sids, self.seq_min, strict=True))


def empty_batch() -> EncodedBatch:
    """A batch of no events (`encode` needs one event at least)."""
    none = np.empty(0, dtype=np.int64)
    return EncodedBatch(
        sids=[], eq_code=none, eq_seq=none, eq_ts=none, eq_values=np.empty((0, 4)),
        fills=[], statuses=[], seq_min=none, seq_max=none, counts=none, repeats=False,
    )  # fmt: skip


def encode(events: Sequence[DataEvent]) -> EncodedBatch:
    """Split a non-empty batch by kind and index its strategies.

    Equity events become columns through list comprehensions of plain attribute reads
    (no Python call per event); the rare fills and statuses stay row tuples.
    """
    equity = [ev for ev in events if ev.__class__ is EquityEvent]
    fills: list[Row] = []
    statuses: list[Row] = []
    if len(equity) < len(events):
        for ev in [ev for ev in events if ev.__class__ is not EquityEvent]:
            if isinstance(ev, EquityEvent):  # a subclass: keep it with the equity rows
                equity.append(ev)
            elif isinstance(ev, FillEvent):
                fills.append(_FILL(ev))
            else:
                statuses.append((ev.strategy_id, ev.seq, ev.ts, str(ev.status), ev.reason))
    index: dict[str, int] = {}
    if equity:
        sids = [e.strategy_id for e in equity]
        index = {s: i for i, s in enumerate(dict.fromkeys(sids))}
        eq_code = np.fromiter(map(index.__getitem__, sids), np.int64, len(sids))
        eq_seq = np.array([e.seq for e in equity], dtype=np.int64)
        eq_ts = _pg_microseconds([e.ts for e in equity])
        eq_values = np.empty((len(equity), 4), dtype=np.float64)
        eq_values[:, 0] = [e.equity for e in equity]
        eq_values[:, 1] = [e.realized_pnl for e in equity]
        eq_values[:, 2] = [e.unrealized_pnl for e in equity]
        eq_values[:, 3] = [e.position_value for e in equity]
    else:
        eq_code = eq_seq = eq_ts = np.empty(0, dtype=np.int64)
        eq_values = np.empty((0, 4), dtype=np.float64)
    other = fills + statuses
    codes = np.concatenate(
        [eq_code, np.array([index.setdefault(r[0], len(index)) for r in other], np.int64)]
    )
    seqs = np.concatenate([eq_seq, np.array([r[1] for r in other], np.int64)])
    order = np.lexsort((seqs, codes))
    codes, seqs = codes[order], seqs[order]
    same = (codes[1:] == codes[:-1]) & (seqs[1:] == seqs[:-1])
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    ends = np.r_[starts[1:], len(codes)]
    return EncodedBatch(
        sids=list(index),
        eq_code=eq_code,
        eq_seq=eq_seq,
        eq_ts=eq_ts,
        eq_values=eq_values,
        fills=fills,
        statuses=statuses,
        seq_min=seqs[starts],
        seq_max=seqs[ends - 1],
        counts=ends - starts,
        repeats=bool(same.any()),
    )


_ZERO = timedelta(0)


def _pg_microseconds(stamps: Sequence[datetime]) -> np.ndarray:
    """Microseconds since 2000-01-01 UTC, exactly, as int64.

    Each stamp minus the epoch expressed in that stamp's own tzinfo when it is at offset
    zero (validated stamps are: `datetime.UTC` from the fast batch path, pydantic's
    TzInfo(0) from the general one — a batch may hold both): a difference of two
    datetimes with the same tzinfo object reads no `utcoffset` (a slow call on TzInfo).
    Stamps in another tzinfo are still exact (Python's aware subtraction), only slower;
    naive ones raise TypeError.
    """
    zones = set(map(_TZINFO, stamps))
    if len(zones) == 1:
        epoch = _epoch_in(zones.pop())
        spans = [t - epoch for t in stamps]
    else:
        epochs = {zone: _epoch_in(zone) for zone in zones}
        spans = [t - epochs[t.tzinfo] for t in stamps]
    days = np.array([d.days for d in spans], dtype=np.int64)
    seconds = np.array([d.seconds for d in spans], dtype=np.int64)
    micros = np.array([d.microseconds for d in spans], dtype=np.int64)
    return (days * 86_400 + seconds) * 1_000_000 + micros


_TZINFO = attrgetter("tzinfo")


def _epoch_in(zone: tzinfo | None) -> datetime:
    """PostgreSQL's epoch in `zone` if that is at offset zero, else in UTC."""
    if zone is not None and zone is not UTC and zone.utcoffset(None) == _ZERO:
        return PG_EPOCH.replace(tzinfo=zone)
    return PG_EPOCH


Column = tuple[np.ndarray, str]
"""A COPY column: values per row and their big-endian numpy type (">i8", ">f8", ...)."""


def copy_data(sids: list[str], code: np.ndarray, columns: list[Column]) -> memoryview:
    """A binary COPY stream (header, rows, trailer): a text strategy id (`sids[code]`)
    then `columns`, all non-NULL, built as numpy structured arrays — no per-row Python.

    Rows are grouped by the byte length of their strategy id (a fixed layout per
    group; row order does not matter to COPY), each group written in place into one
    buffer: no intermediate copies of a stream of a few megabytes.
    """
    encoded = [s.encode() for s in sids]
    lengths = np.array([len(b) for b in encoded], dtype=np.int64)
    padded = np.array(encoded, dtype=f"S{max(int(lengths.max(initial=0)), 1)}")
    row_len = lengths[code]
    groups = []
    for n in np.unique(row_len).tolist():
        fields: list[tuple[str, str]] = [("n", ">i2"), ("l_sid", ">i4"), ("sid", f"S{n}")]
        for i, (_values, kind) in enumerate(columns):
            fields += [(f"l{i}", ">i4"), (f"c{i}", kind)]
        mask = row_len == n
        groups.append((n, np.dtype(fields), mask, int(np.count_nonzero(mask))))
    size = sum(dtype.itemsize * rows for _, dtype, _, rows in groups)
    out = np.empty(len(COPY_HEADER) + size + len(COPY_TRAILER), dtype=np.uint8)
    out[: len(COPY_HEADER)] = np.frombuffer(COPY_HEADER, dtype=np.uint8)
    at = len(COPY_HEADER)
    for n, dtype, mask, count in groups:
        rows = out[at : at + dtype.itemsize * count].view(dtype)
        rows["n"] = 1 + len(columns)
        rows["l_sid"] = n
        rows["sid"] = padded[code[mask]]
        for i, (values, kind) in enumerate(columns):
            rows[f"l{i}"] = np.dtype(kind).itemsize
            rows[f"c{i}"] = values[mask]
        at += dtype.itemsize * count
    out[at:] = np.frombuffer(COPY_TRAILER, dtype=np.uint8)
    return memoryview(out.data)


def equity_copy_data(batch: EncodedBatch) -> memoryview:
    """The binary COPY stream of the batch's equity rows (store_sql.STAGE_COLUMNS order)."""
    values = batch.eq_values
    return copy_data(
        batch.sids,
        batch.eq_code,
        [(batch.eq_seq, ">i8"), (batch.eq_ts, ">i8"), *((values[:, i], ">f8") for i in range(4))],
    )


def _groups(
    code: np.ndarray, minute: np.ndarray, seq: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows grouped by (code, minute), by seq inside a group: (order, starts, ends)."""
    keys = (minute, code) if seq is None else (seq, minute, code)
    order = np.lexsort(keys)
    c, m = code[order], minute[order]
    change = np.ones(len(order), dtype=bool)
    change[1:] = (c[1:] != c[:-1]) | (m[1:] != m[:-1])
    starts = np.flatnonzero(change)
    return order, starts, np.r_[starts[1:], len(order)].astype(np.int64)


_DAY_US = 86_400_000_000


def _equity_bar_columns(batch: EncodedBatch, unit_us: int) -> tuple[np.ndarray, list[Column]]:
    """Partial bars of the equity rows per strategy and bucket of `unit_us`: (strategy
    code per bar, columns bucket in Unix s, open, high, low, close, open_seq, close_seq,
    samples, realized_pnl, unrealized_pnl)."""
    bucket = batch.eq_ts // unit_us
    order, starts, ends = _groups(batch.eq_code, bucket, batch.eq_seq)
    values = batch.eq_values[order]
    equity = values[:, 0]
    seq = batch.eq_seq[order]
    last = ends - 1
    if not len(starts):
        return np.empty(0, dtype=np.int64), []
    return batch.eq_code[order][starts], [
        ((bucket[order][starts] * (unit_us // 1_000_000) + PG_EPOCH_UNIX_S).astype(np.float64),
         ">f8"),
        (equity[starts], ">f8"),
        (np.maximum.reduceat(equity, starts), ">f8"),
        (np.minimum.reduceat(equity, starts), ">f8"),
        (equity[last], ">f8"),
        (seq[starts], ">i8"),
        (seq[last], ">i8"),
        ((ends - starts).astype(np.int32), ">i4"),
        (values[last, 1], ">f8"),
        (values[last, 2], ">f8"),
    ]  # fmt: skip


def equity_bars_copy_data(batch: EncodedBatch, ok: list[bool]) -> memoryview | None:
    """Partial 1-minute bars of the equity rows of the strategies that are not `ok`
    (`raw_minutes`: some minute of theirs holds two samples) as a binary COPY into
    `stage_bars` (store_sql.BAR_STAGE_COLUMNS); None when there are none. The bars of
    `ok` strategies are their rows (FAST_BARS_SQL reads them back if it needs them).
    A COPY, not array parameters: asyncpg encodes array elements one by one."""
    code, columns = _equity_bar_columns(batch, _MINUTE_US)
    wanted = ~np.asarray(ok, dtype=bool)[code] if len(code) else np.zeros(0, dtype=bool)
    if not wanted.any():
        return None
    return copy_data(batch.sids, code[wanted], [(v[wanted], k) for v, k in columns])


def equity_day_bars(batch: EncodedBatch) -> list[list[Any]]:
    """Partial daily bars of the equity rows (a few per strategy) as the array
    parameters of store_sql.FAST_BARS_SQL: sid, then the columns of _equity_bar_columns."""
    code, columns = _equity_bar_columns(batch, _DAY_US)
    if not len(code):
        return [[] for _ in range(11)]
    return [[batch.sids[c] for c in code.tolist()], *(v.tolist() for v, _ in columns)]


def fill_bars(batch: EncodedBatch, unit_us: int = _MINUTE_US) -> list[list[Any]]:
    """Partial fill bars per `unit_us` (default 1 minute): sid, bucket (Unix s), fills,
    fees, notional, slippage_cost, slippage_notional (slippage over the fills that sent
    expected_price)."""
    if not batch.fills:
        return [[] for _ in range(7)]
    index = {s: i for i, s in enumerate(batch.sids)}
    sid_col, _seq, ts_col, _o, _s, side_col, qty, price, fee, expected = zip(
        *batch.fills, strict=True
    )
    code = np.array([index[s] for s in sid_col], dtype=np.int64)
    bucket = _pg_microseconds(ts_col) // unit_us
    qty_a = np.array(qty, dtype=np.float64)
    price_a = np.array(price, dtype=np.float64)
    exp_a = np.array([np.nan if e is None else e for e in expected], dtype=np.float64)
    sign = np.where(np.array(side_col) == "buy", 1.0, -1.0)
    has = ~np.isnan(exp_a)
    cost = np.where(has, sign * (price_a - np.where(has, exp_a, 0.0)) * qty_a, 0.0)
    slip_notional = np.where(has, np.where(has, exp_a, 0.0) * qty_a, 0.0)
    order, starts, ends = _groups(code, bucket)
    return [
        [batch.sids[c] for c in code[order][starts].tolist()],
        (bucket[order][starts] * (unit_us // 1_000_000) + PG_EPOCH_UNIX_S).tolist(),
        (ends - starts).tolist(),
        np.add.reduceat(np.array(fee, dtype=np.float64)[order], starts).tolist(),
        np.add.reduceat((qty_a * price_a)[order], starts).tolist(),
        np.add.reduceat(cost[order], starts).tolist(),
        np.add.reduceat(slip_notional[order], starts).tolist(),
    ]


def fill_day_bars(batch: EncodedBatch) -> list[list[Any]]:
    return fill_bars(batch, _DAY_US)


def raw_minutes(batch: EncodedBatch) -> tuple[list[bool], list[float | None], list[float | None]]:
    """Per strategy of the batch (in `sids` order): does it hold at most one equity
    sample per minute, in rising minutes by seq (so its raw rows can be its 1-minute
    bars, migration 0600), and its first and last equity minute (Unix s; None without
    equity). Parameters $11-$13 of store_sql.FAST_BARS_SQL."""
    n = len(batch.sids)
    ok = np.ones(n, dtype=bool)
    first: list[float | None] = [None] * n
    last: list[float | None] = [None] * n
    if not len(batch.eq_seq):
        return ok.tolist(), first, last
    minute = batch.eq_ts // _MINUTE_US
    order = np.lexsort((batch.eq_seq, batch.eq_code))
    code, minute = batch.eq_code[order], minute[order]
    same = code[1:] == code[:-1]
    ok[np.unique(code[1:][same & (minute[1:] <= minute[:-1])])] = False
    starts = np.flatnonzero(np.r_[True, ~same])
    unix = minute * 60 + PG_EPOCH_UNIX_S
    highest = np.maximum.reduceat(unix, starts)
    lows = unix[starts].tolist()
    for c, lo, hi in zip(code[starts].tolist(), lows, highest.tolist(), strict=True):
        first[c], last[c] = float(lo), float(hi)
    return ok.tolist(), first, last
