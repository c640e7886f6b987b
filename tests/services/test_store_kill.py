"""R3: a collector SIGKILLed again and again mid-ingest resumes from the stored seq and
loses nothing — also when it is killed while spooling during a database outage."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from pg_settings import TEST_SETTINGS

from perfdesk.services.store.embedded_db import EmbeddedPostgres
from perfdesk.services.store.spool import Spool
from perfdesk.services.store.store import Store

STRATEGIES = ["k1", "k2", "k3"]
TOTAL = 40_000
"""Per strategy (120,000 events in all)."""
KILLS = 20
PER_LIFE = 4_000
"""Events one killed life may put (then it idles until killed): 20 lives put at most
80,000, so the last run always has work left, however fast or slow the machine is."""
PATIENCE_S = 300.0
"""Guards against a hang only; a loaded 2-core machine may be slow, never wrong."""


def _start_worker(dsn: str, spool_dir: Path, limit: int | None = None) -> subprocess.Popen[str]:
    code = (
        "import asyncio, sys; from perfdesk.bench.storage import ingest_worker;"
        "asyncio.run(ingest_worker(sys.argv[1], sys.argv[2], sys.argv[3].split(','),"
        " int(sys.argv[4]), limit=int(sys.argv[5]) or None))"
    )
    args = [sys.executable, "-c", code, dsn, str(spool_dir), ",".join(STRATEGIES), str(TOTAL)]
    args.append(str(limit or 0))
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready", "the worker did not start"
    return proc


def _kill(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def _wait_for_spooling(spool_dir: Path, proc: subprocess.Popen[str]) -> None:
    """Until the worker has fsync'd something to the spool (the DB is down)."""
    deadline = PATIENCE_S
    step = 0.05
    while deadline > 0 and not any(p.stat().st_size for p in spool_dir.glob("*.seg")):
        assert proc.poll() is None, "worker exited while the database was down"
        time.sleep(step)
        deadline -= step
    assert deadline > 0, "nothing was spooled"


async def _stored(dsn: str) -> tuple[dict[str, int], dict[str, list[int]]]:
    store = await Store.open(dsn)
    try:
        return await store.last_seqs(), {s: await store.seqs(s) for s in STRATEGIES}
    finally:
        await store.close()


async def _stored_total(dsn: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        total: int = await conn.fetchval("SELECT coalesce(sum(last_seq), 0) FROM ingest_state")
        return total
    finally:
        await conn.close()


def _wait_for_progress(dsn: str, stored: int, proc: subprocess.Popen[str]) -> int:
    """Until the worker has stored something beyond `stored`; returns the new total."""
    import asyncio

    deadline = time.monotonic() + PATIENCE_S
    while (now := asyncio.run(_stored_total(dsn))) <= stored:
        assert proc.poll() is None, "worker exited before storing anything"
        assert time.monotonic() < deadline, f"worker stored nothing within {PATIENCE_S} s"
        time.sleep(0.05)
    return now


@pytest.mark.timeout(1800)  # 21 process lives: minutes on a loaded machine
def test_killed_twenty_times_mid_ingest(db_dsn: str, tmp_path: Path) -> None:
    import asyncio

    rng = random.Random(3)
    progress = [0]
    for _ in range(KILLS):
        proc = _start_worker(db_dsn, tmp_path / "spool", limit=PER_LIFE)
        _wait_for_progress(db_dsn, progress[-1], proc)  # it is writing: now kill it
        time.sleep(rng.uniform(0.0, 0.3))
        _kill(proc)
        progress.append(asyncio.run(_stored_total(db_dsn)))
    proc = _start_worker(db_dsn, tmp_path / "spool")
    assert proc.wait(timeout=PATIENCE_S) == 0
    last, seqs = asyncio.run(_stored(db_dsn))
    # Really killed mid-ingest: some progress, and work left for the last run.
    assert 0 < progress[-1] < len(STRATEGIES) * TOTAL, progress
    assert last == dict.fromkeys(STRATEGIES, TOTAL)
    assert seqs == {s: list(range(1, TOTAL + 1)) for s in STRATEGIES}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[EmbeddedPostgres]:
    pg = EmbeddedPostgres(tmp_path / "db", settings=TEST_SETTINGS)
    pg.start()
    try:
        yield pg
    finally:
        pg.destroy()


def test_killed_while_spooling_then_drained(server: EmbeddedPostgres, tmp_path: Path) -> None:
    import asyncio

    spool_dir = tmp_path / "spool"
    for _ in range(3):
        proc = _start_worker(server.dsn, spool_dir)
        server.stop()
        _wait_for_spooling(spool_dir, proc)
        _kill(proc)
        server.start()
    spool = Spool(spool_dir)
    assert spool.pending_events > 0  # the kill left spooled events to drain
    spool.close()
    proc = _start_worker(server.dsn, spool_dir)
    assert proc.wait(timeout=PATIENCE_S) == 0
    last, seqs = asyncio.run(_stored(server.dsn))
    assert last == dict.fromkeys(STRATEGIES, TOTAL)
    assert seqs == {s: list(range(1, TOTAL + 1)) for s in STRATEGIES}
    drained = Spool(spool_dir)
    assert drained.pending_events == 0
    drained.close()
