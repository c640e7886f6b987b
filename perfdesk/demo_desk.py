"""The demo's engine across starts: the same seeded desk resumes where its kept database ends.

`perfdesk demo` keeps its database (acknowledgements, snoozes, thresholds, expectations,
schedules and report runs survive a restart); `--fresh` starts over. The simulator is
deterministic for a given seed and epoch, so on a kept database it is rebuilt on the
epoch of the first start (kept in a small state file beside the spool, with the trading
second where the stream reached the present and went on in real time) and fast-forwarded
until every strategy has regenerated what the database already holds: the engine link
then resumes after the stored seq at once, and the strategies continue where they were
(a broken strategy stays broken, a decaying one keeps decaying). No Qt.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from perfdesk.services.host.bootstrap import StartedEngine
from perfdesk.services.store.dsn import redacted
from perfdesk.services.store.store import Store
from perfdesk.services.support.loop_thread import LoopThread
from perfdesk.sim.clock import recent_epoch
from perfdesk.sim.demo import demo_simulator
from perfdesk.sim.server import Simulator

log = logging.getLogger(__name__)


def state_path(data_dir: Path, dsn: str) -> Path:
    """The demo's state file for one database (keyed by its address, never its password)."""
    key = hashlib.sha256(redacted(dsn).encode()).hexdigest()[:16]
    return data_dir / "demo" / f"{key}.json"


def load_state(path: Path) -> tuple[datetime | None, float | None]:
    """(the epoch a kept demo database was generated on, the trading second where its
    stream went to real time); (None, None) if unknown or unreadable."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        epoch = datetime.fromisoformat(raw["epoch"])
        realtime = raw.get("realtime_from_s")
        realtime_from_s = None if realtime is None else float(realtime)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        if path.exists():
            log.warning("demo state %s unreadable (%s): starting a new demo epoch", path, exc)
        return None, None
    return (epoch if epoch.tzinfo is not None else epoch.replace(tzinfo=UTC)), realtime_from_s


def save_state(path: Path, epoch: datetime, realtime_from_s: float | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {"epoch": epoch.isoformat(), "realtime_from_s": realtime_from_s}
    path.write_text(json.dumps(state), encoding="utf-8")


def catch_up(sim: Simulator, stored: Mapping[str, int]) -> int:
    """Advance every feed, in step, until each has generated its `stored` last seq.

    Returns the samples generated per feed. Frames past a feed's stored seq stay in the
    simulator's history and are replayed to the client that resumes after it.
    """
    samples = 0
    while True:
        gaps = [stored.get(f.strategy_id, 0) - f.last_seq for f in sim.feeds]
        behind = [g for g in gaps if g > 0]
        if not behind:
            return samples
        step = max(1, min(behind) // 4)  # a sample makes one frame or a few
        for feed in sim.feeds:
            feed.advance(step)
        samples += step


def demo_engine(
    data_dir: Path,
    dsn: str,
    stored: Mapping[str, int],
    *,
    now: datetime | None = None,
) -> tuple[Simulator, str]:
    """The demo simulator for the database at `dsn` holding `stored` (last seq per strategy).

    CPU-bound for a second or more (the backfill, then the catch-up): call it in a worker
    thread. Returns the simulator (not started) and a sentence saying what it resumed.
    """
    path = state_path(data_dir, dsn)
    epoch, realtime_from_s = load_state(path) if stored else (None, None)
    if epoch is None:
        epoch, realtime_from_s = recent_epoch(now or datetime.now(UTC)), None
        save_state(path, epoch)
    sim = demo_simulator(epoch=epoch)
    if realtime_from_s is not None:  # regenerate the switch where the last run made it
        sim.go_realtime(realtime_from_s)
    sim.on_realtime = lambda at_s: save_state(path, epoch, at_s)
    if not stored:
        return sim, "a new demo (perfdesk demo --fresh starts over at any time)"
    t0 = time.perf_counter()
    samples = catch_up(sim, stored)
    log.info(
        "demo resumed: %d samples per strategy regenerated in %.1f s",
        samples,
        time.perf_counter() - t0,
    )
    return sim, "the demo kept from the last start (perfdesk demo --fresh starts over)"


async def start_demo_engine(store: Store, data_dir: Path, dsn: str) -> StartedEngine:
    """The demo's simulator on a loop thread of its own: six strategies with half a year
    of past, live time two months back — on a kept database, where its events end."""
    thread = LoopThread("perfdesk-sim")
    try:
        stored = await store.last_seqs()
        sim, note = await asyncio.to_thread(demo_engine, data_dir, dsn, stored)
        url = await thread.acall(sim.start())
    except BaseException:
        thread.close()
        raise

    async def stop() -> None:
        try:
            await thread.acall(sim.stop())
        finally:
            thread.close()

    return StartedEngine(url, stop, note, handle=sim)
