"""The SQL of Store.write_events: staging tables and the one insert-and-rollup statement.

A batch is COPYed into per-connection temporary staging tables, then a single statement
inserts the new rows (`ON CONFLICT DO NOTHING` makes replays harmless), folds exactly the
rows it inserted into the 1-minute and 1-day rollups, and advances `ingest_state`. One
statement in one transaction: rollups can never drift from the raw rows.
"""

# ruff: noqa: S608 -- statements are assembled from fixed table/column names only;
# every value is a bound parameter or comes from the staging tables.

from __future__ import annotations

STAGE_COLUMNS: dict[str, tuple[str, ...]] = {
    "equity": (
        "strategy_id", "seq", "ts", "equity", "realized_pnl", "unrealized_pnl", "position_value",
    ),
    "fills": (
        "strategy_id", "seq", "ts", "order_id", "symbol", "side", "qty", "price", "fee",
        "expected_price",
    ),
    "statuses": ("strategy_id", "seq", "ts", "status", "reason"),
}  # fmt: skip

BAR_STAGE_COLUMNS = (
    "strategy_id", "b", "open", "high", "low", "close", "open_seq", "close_seq", "samples",
    "realized_pnl", "unrealized_pnl",
)  # fmt: skip
"""stage_bars: the fast path's partial 1-minute bars (b = bucket start in Unix s)."""

STAGE_TYPES: dict[str, tuple[str, ...]] = {
    "equity": ("text", "bigint", "timestamptz", "float8", "float8", "float8", "float8"),
    "fills": (
        "text", "bigint", "timestamptz", "text", "text", "text", "float8", "float8", "float8",
        "float8",
    ),
    "statuses": ("text", "bigint", "timestamptz", "text", "text"),
}  # fmt: skip


def stage_table(kind: str) -> str:
    return f"stage_{kind}"


def create_stage_tables_sql() -> str:
    """Temporary staging tables (one set per connection), emptied at each commit."""
    parts = []
    for kind, cols in STAGE_COLUMNS.items():
        body = ", ".join(f"{c} {t}" for c, t in zip(cols, STAGE_TYPES[kind], strict=True))
        parts.append(
            f"CREATE TEMP TABLE IF NOT EXISTS {stage_table(kind)} ({body}) ON COMMIT DELETE ROWS;"
        )
    parts.append(
        "CREATE TEMP TABLE IF NOT EXISTS stage_bars (strategy_id text, b float8, open float8,"
        " high float8, low float8, close float8, open_seq bigint, close_seq bigint,"
        " samples int, realized_pnl float8, unrealized_pnl float8) ON COMMIT DELETE ROWS;"
    )
    return "\n".join(parts)


def unnest_stage_sql(kind: str) -> str:
    """Fill a staging table from array parameters (servers without COPY, e.g. PGlite)."""
    types = STAGE_TYPES[kind]
    args = ", ".join(f"${i}::{t}[]" for i, t in enumerate(types, start=1))
    return f"INSERT INTO {stage_table(kind)} SELECT * FROM unnest({args})"


_NOT_COMPACTED = (
    "NOT EXISTS (SELECT 1 FROM compaction_marks c WHERE c.strategy_id = s.strategy_id"
    " AND s.seq <= c.max_seq AND equity_compacted(s.strategy_id, s.seq) OFFSET 0)"
)
"""The seq is not a compacted equity row (migration 0603): only seqs at or below the
strategy's highest compacted seq are searched, by a binary search in the segments."""


def _insert(kind: str, returning: str) -> str:
    """Insert staged rows whose (strategy_id, seq) is in none of the three tables
    and not in a compacted equity segment.

    The NOT EXISTS probes make the key unique across kinds (one seq counter per
    strategy) and cover TimescaleDB, whose unique keys must include `ts`. OFFSET 0 keeps
    each probe an index lookup per staged row (an anti-join could scan whole tables).
    """
    cols = ", ".join(STAGE_COLUMNS[kind])
    probes = " AND ".join(
        f"NOT EXISTS (SELECT 1 FROM {other} t WHERE t.strategy_id = s.strategy_id"
        " AND t.seq = s.seq OFFSET 0)"
        for other in STAGE_COLUMNS
    )
    probes += f" AND {_NOT_COMPACTED}"
    return (
        f"INSERT INTO {kind} ({cols}) SELECT {cols} FROM {stage_table(kind)} s"
        f" WHERE {probes} ON CONFLICT DO NOTHING RETURNING {returning}"
    )


_EQUITY_BARS = """
    SELECT strategy_id, date_trunc('minute', ts, 'UTC') AS bucket,
           (min(ARRAY[seq, equity]))[2] AS open, max(equity) AS high,
           min(equity) AS low, (max(ARRAY[seq, equity, realized_pnl, unrealized_pnl]))[2:4]
           AS last, min(seq) AS open_seq, max(seq) AS close_seq, count(*) AS samples
    FROM e GROUP BY 1, 2"""
"""Per-minute bars of inserted equity rows. min/max over ARRAY[seq, ...] picks the
first/last sample without sorting (seq is compared as float8: exact below 2**53)."""

_FILL_BARS = """
    SELECT strategy_id, date_trunc('minute', ts, 'UTC') AS bucket, count(*) AS fills,
           sum(fee) AS fees, sum(qty * price) AS notional,
           coalesce(sum(CASE WHEN side = 'buy' THEN 1 ELSE -1 END
                        * (price - expected_price) * qty), 0) AS slippage_cost,
           coalesce(sum(expected_price * qty), 0) AS slippage_notional
    FROM f GROUP BY 1, 2"""


def _bars(eb: str, fb: str) -> str:
    """Equity bars `eb` and fill bars `fb` of the same buckets joined into rollup rows."""
    return f"""
    SELECT strategy_id, bucket, eb.open, eb.high, eb.low, eb.last[1] AS close, eb.open_seq,
           eb.close_seq, coalesce(eb.samples, 0)::int AS samples, eb.last[2] AS realized_pnl,
           eb.last[3] AS unrealized_pnl, coalesce(fb.fills, 0)::int AS fills,
           coalesce(fb.fees, 0) AS fees, coalesce(fb.notional, 0) AS notional,
           coalesce(fb.slippage_cost, 0) AS slippage_cost,
           coalesce(fb.slippage_notional, 0) AS slippage_notional
    FROM {eb} AS eb FULL JOIN {fb} AS fb USING (strategy_id, bucket)"""


_BARS = _bars("eb", "fb")

_DAY_BARS = """
    SELECT strategy_id, date_trunc('day', bucket, 'UTC'),
           (min(ARRAY[open_seq, open]) FILTER (WHERE open_seq IS NOT NULL))[2],
           max(high), min(low),
           (max(ARRAY[close_seq, close]) FILTER (WHERE close_seq IS NOT NULL))[2],
           min(open_seq), max(close_seq), sum(samples)::int,
           (max(ARRAY[close_seq, realized_pnl]) FILTER (WHERE close_seq IS NOT NULL))[2],
           (max(ARRAY[close_seq, unrealized_pnl]) FILTER (WHERE close_seq IS NOT NULL))[2],
           sum(fills)::int, sum(fees), sum(notional), sum(slippage_cost),
           sum(slippage_notional)
    FROM bars GROUP BY 1, 2 ORDER BY 1, 2"""


def _merge(table: str) -> str:
    """ON CONFLICT merge of a partial bar into a stored one (order-independent)."""
    first = "CASE WHEN r.open_seq IS NULL OR EXCLUDED.open_seq < r.open_seq"
    last = "CASE WHEN r.close_seq IS NULL OR EXCLUDED.close_seq > r.close_seq"
    sums = ("samples", "fills", "fees", "notional", "slippage_cost", "slippage_notional")
    sets = [
        f"open = {first} THEN EXCLUDED.open ELSE r.open END",
        "open_seq = least(r.open_seq, EXCLUDED.open_seq)",
        "high = greatest(r.high, EXCLUDED.high)",
        "low = least(r.low, EXCLUDED.low)",
        *(f"{c} = {last} THEN EXCLUDED.{c} ELSE r.{c} END" for c in ("close", "realized_pnl")),
        f"unrealized_pnl = {last} THEN EXCLUDED.unrealized_pnl ELSE r.unrealized_pnl END",
        "close_seq = greatest(r.close_seq, EXCLUDED.close_seq)",
        *(f"{c} = r.{c} + EXCLUDED.{c}" for c in sums),
    ]
    return f"ON CONFLICT (strategy_id, bucket) DO UPDATE SET {', '.join(sets)}"


def _read_back(kind: str, returning: str) -> str:
    """Rows just COPYed straight into `kind`: seq in (lo, hi] per strategy ($1, $2, $3).

    LATERAL (fenced by OFFSET 0) makes it one index range scan per strategy; a join lets the planner
    pick a sequential scan of the whole table once it holds more than a few batches.
    """
    cols = ", ".join(f"t.{c.strip()}" for c in returning.split(","))
    return (
        f"SELECT {cols} FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS r(sid, lo, hi)"
        f" CROSS JOIN LATERAL (SELECT * FROM {kind} x WHERE x.strategy_id = r.sid"
        " AND x.seq > r.lo AND x.seq <= r.hi OFFSET 0) t"
    )


LOCK_RESUME_SQL = """
INSERT INTO ingest_state AS i (strategy_id, last_seq, minute_bars)
SELECT sid, 0, EXISTS (SELECT 1 FROM rollup_1m r WHERE r.strategy_id = sid)
FROM unnest($1::text[]) AS sid ORDER BY 1
ON CONFLICT (strategy_id) DO UPDATE SET strategy_id = i.strategy_id
RETURNING strategy_id, last_seq"""
"""Lock the resume rows of a batch's strategies (creating missing ones) and read them:
concurrent writers of one strategy are serialised, so seq > last_seq cannot exist yet.
A new row starts in raw mode (minute_bars false, migration 0600) unless the strategy
already has 1-minute bars (loaded in bulk)."""

SEQ_MIN, SEQ_MAX = "'-9223372036854775808'::bigint", "'9223372036854775807'::bigint"
"""Bounds of `equity_rows` for every row of a strategy."""

MATERIALIZE_BARS_SQL = f"""
WITH sw AS (UPDATE ingest_state SET minute_bars = true
            WHERE strategy_id = ANY($1::text[]) AND NOT minute_bars RETURNING strategy_id),
e AS (SELECT sw.strategy_id, r.seq, r.ts, r.equity, r.realized_pnl, r.unrealized_pnl
      FROM sw CROSS JOIN LATERAL equity_rows(sw.strategy_id, {SEQ_MIN}, {SEQ_MAX}) r),
f AS (SELECT strategy_id, seq, ts, side, qty, price, fee, expected_price FROM fills
      WHERE strategy_id IN (SELECT strategy_id FROM sw)),
eb AS ({_EQUITY_BARS}),
fb AS ({_FILL_BARS}),
bars AS ({_BARS})
INSERT INTO rollup_1m SELECT * FROM bars ORDER BY strategy_id, bucket"""
"""Switch the raw-mode strategies among $1 to stored 1-minute bars: build their bars from
every stored raw row, compacted ones included (no bars exist in raw mode). Run in the
transaction of the batch that
needs it, before its rows are folded (the general path), or after a fast batch whose
rows the build includes (`FAST_BARS_SQL` left their minute bars out)."""


def write_events_sql(*, direct: bool) -> str:
    """Insert (or read back) a batch, fold it into rollups and ingest_state.

    `direct=False`: the batch is in the staging tables; insert what is new (see
    `_insert`). `direct=True`: the batch
    was COPYed straight into the tables (all seqs above the locked resume point); the
    statement reads it back by seq range. Returns the number of rows inserted.
    """
    e_ret = "strategy_id, seq, ts, equity, realized_pnl, unrealized_pnl"
    f_ret = "strategy_id, seq, ts, side, qty, price, fee, expected_price"
    s_ret = "strategy_id, seq"
    make = _read_back if direct else _insert
    return f"""
WITH e AS ({make("equity", e_ret)}),
f AS ({make("fills", f_ret)}),
s AS ({make("statuses", s_ret)}),
eb AS ({_EQUITY_BARS}),
fb AS ({_FILL_BARS}),
bars AS ({_BARS}),
m AS (INSERT INTO rollup_1m AS r SELECT * FROM bars ORDER BY strategy_id, bucket
      {_merge("rollup_1m")} RETURNING 1),
d AS (INSERT INTO rollup_1d AS r {_DAY_BARS} {_merge("rollup_1d")} RETURNING 1),
k AS (SELECT strategy_id, seq FROM e UNION ALL SELECT strategy_id, seq FROM f
      UNION ALL SELECT strategy_id, seq FROM s),
st AS (INSERT INTO ingest_state AS i (strategy_id, last_seq, events, updated_at)
       SELECT strategy_id, max(seq), count(*), now() FROM k GROUP BY 1 ORDER BY 1
       ON CONFLICT (strategy_id) DO UPDATE SET
           last_seq = greatest(i.last_seq, EXCLUDED.last_seq),
           events = i.events + EXCLUDED.events, updated_at = EXCLUDED.updated_at
       RETURNING 1)
SELECT count(*) FROM k"""


_EQ_BAR_ARRAYS = """unnest({}::text[], {}::float8[], {}::float8[], {}::float8[], {}::float8[],
                 {}::float8[], {}::bigint[], {}::bigint[], {}::int[], {}::float8[],
                 {}::float8[])
         AS x(strategy_id, b, open, high, low, close, open_seq, close_seq, samples,
              realized_pnl, unrealized_pnl)"""
_FILL_BAR_ARRAYS = """unnest({}::text[], {}::float8[], {}::int[], {}::float8[], {}::float8[],
                 {}::float8[], {}::float8[])
         AS y(strategy_id, b, fills, fees, notional, slippage_cost, slippage_notional)"""


def _params(first: int, count: int) -> list[str]:
    return [f"${i}" for i in range(first, first + count)]


def _eq_bars(source: str, where: str = "") -> str:
    return f"""
    SELECT strategy_id, to_timestamp(b) AS bucket, open, high, low,
           ARRAY[close, realized_pnl, unrealized_pnl] AS last, open_seq, close_seq, samples
    FROM {source} {where}"""


def _fill_bars(source: str, where: str = "") -> str:
    return f"""
    SELECT strategy_id, to_timestamp(b) AS bucket, fills, fees, notional, slippage_cost,
           slippage_notional
    FROM {source} {where}"""


_KEPT = "WHERE strategy_id IN (SELECT sid FROM want WHERE had)"

FAST_BARS_SQL = f"""
WITH k AS (
    SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bool[],
                         $5::float8[], $6::float8[], $33::bigint[])
                  AS k(sid, top, n, ok, m0, m1, lo)),
mode AS (
    SELECT k.*, coalesce(i.minute_bars,
                         EXISTS (SELECT 1 FROM rollup_1m r WHERE r.strategy_id = k.sid)) AS had,
           i.last_minute,
           CASE WHEN k.lo <= c.max_seq THEN equity_compacted_clash(k.sid, k.lo, k.top) END
               AS clash
    FROM k LEFT JOIN ingest_state i ON i.strategy_id = k.sid
           LEFT JOIN compaction_marks c ON c.strategy_id = k.sid),
want AS (
    SELECT *, had OR NOT ok OR coalesce(to_timestamp(m0) <= last_minute, false)
              OR $7::bool AS keep
    FROM mode),
eb AS ({_eq_bars("stage_bars", _KEPT)}
       UNION ALL
       SELECT x.strategy_id, date_trunc('minute', x.ts, 'UTC'), x.equity, x.equity, x.equity,
              ARRAY[x.equity, x.realized_pnl, x.unrealized_pnl], x.seq, x.seq, 1
       FROM want CROSS JOIN LATERAL (
           SELECT * FROM equity WHERE strategy_id = want.sid AND seq >= want.lo
                                  AND seq <= want.top OFFSET 0) x
       WHERE want.had AND want.ok),
fb AS ({_fill_bars(_FILL_BAR_ARRAYS.format(*_params(8, 7)), _KEPT)}),
bars AS ({_BARS}),
m AS (INSERT INTO rollup_1m AS r SELECT * FROM bars ORDER BY strategy_id, bucket
      {_merge("rollup_1m")} RETURNING 1),
used AS (DELETE FROM stage_bars),
ed AS ({_eq_bars(_EQ_BAR_ARRAYS.format(*_params(15, 11)))}),
fd AS ({_fill_bars(_FILL_BAR_ARRAYS.format(*_params(26, 7)))}),
d AS (INSERT INTO rollup_1d AS r SELECT * FROM ({_bars("ed", "fd")}) AS day_bars
      ORDER BY strategy_id, bucket {_merge("rollup_1d")} RETURNING 1),
st AS (
    INSERT INTO ingest_state AS i (strategy_id, last_seq, events, updated_at, minute_bars,
                                   last_minute)
    SELECT sid, top, n, now(), had, to_timestamp(m1) FROM want ORDER BY 1
    ON CONFLICT (strategy_id) DO UPDATE SET
        last_seq = greatest(i.last_seq, EXCLUDED.last_seq),
        events = i.events + EXCLUDED.events, updated_at = EXCLUDED.updated_at,
        last_minute = greatest(i.last_minute, EXCLUDED.last_minute)
    RETURNING 1)
SELECT sid FROM want WHERE keep AND NOT had"""
"""The fast path's fold of a batch just COPYed: $1 sids, $2 highest seq, $3 events per
strategy (the resume point only grows), $33 lowest seq; its partial 1-minute equity
bars and fill bars ($8-$14), merged into rollup_1m for strategies that keep minute bars.
The equity bars are COPYed into stage_bars (emptied by this statement, so several
batches may share a transaction: the back-fill) for the strategies with two samples in
some minute of the batch; for the others (`ok`) a bar is a row, read back from `equity` by
seq range if (rarely) that strategy keeps stored minute bars. Its partial daily bars
($15-$25 equity, $26-$32 fills; computed client-side, a few per strategy) are merged
into rollup_1d. Buckets in Unix seconds. Raw mode
(migration 0600): $4 says whether the batch holds at most one equity sample per minute,
in rising minutes, per strategy; $5/$6 its first/last equity minute (Unix s, NULL
without equity). A raw-mode strategy stays raw while its batch is `ok` and starts
after `last_minute`; the strategies that must switch are returned (the caller runs
MATERIALIZE_BARS_SQL for them). $7 true keeps stored bars for every strategy
(TimescaleDB: retention drops raw chunks whole, so no strategy's 1-minute bars may
live only in its raw rows). A batch reaching down to compacted seqs (migration 0603)
raises a unique violation in `mode` when a segment overlaps it (equity's key cannot see
compacted rows): the caller rolls back and stages the batch, whose probes are exact."""
