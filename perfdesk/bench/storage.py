"""`perfdesk bench storage`: load months of samples, compare with the raw COPY ceiling.

Also home of `synthetic_events`, the deterministic event generator the storage tests use.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from perfdesk.domain.events import DataEvent, EquityEvent, FillEvent, StatusEvent
from perfdesk.domain.status import StrategyState

EPOCH = datetime(2026, 1, 5, tzinfo=UTC)


def synthetic_events(
    strategy_id: str,
    count: int,
    *,
    start: datetime = EPOCH,
    step_s: float = 1.0,
    fill_every: int = 10,
    status_every: int = 0,
    first_seq: int = 1,
    seed: int = 0,
) -> Iterator[DataEvent]:
    """`count` events with consecutive seqs: equity samples every `step_s` seconds, every
    `fill_every`-th a fill (with slippage) and every `status_every`-th a status."""
    rng = random.Random(f"{strategy_id}:{seed}")
    equity = 1_000_000.0
    for i in range(count):
        seq = first_seq + i
        ts = start + timedelta(seconds=(seq - 1) * step_s)
        if status_every and seq % status_every == 0:
            yield StatusEvent(strategy_id=strategy_id, seq=seq, ts=ts, status=StrategyState.ACTIVE)
        elif fill_every and seq % fill_every == 0:
            yield _fill(strategy_id, seq, ts, rng)
        else:
            equity *= math.exp(rng.gauss(0.0, 0.0005))
            yield EquityEvent(
                strategy_id=strategy_id, seq=seq, ts=ts, equity=equity,
                realized_pnl=equity - 1_000_000.0, unrealized_pnl=rng.uniform(-50, 50),
                position_value=rng.uniform(0, 1e5),
            )  # fmt: skip


def _fill(strategy_id: str, seq: int, ts: datetime, rng: random.Random) -> FillEvent:
    expected = 100.0 + rng.uniform(-1, 1)
    side = rng.choice(("buy", "sell"))
    return FillEvent(
        strategy_id=strategy_id, seq=seq, ts=ts, order_id=f"o{seq}", symbol="ES",
        side=side, qty=float(rng.randint(1, 10)), price=expected * (1 + rng.gauss(0, 2e-4)),
        fee=0.5, expected_price=expected,
    )  # fmt: skip


def interleaved(strategies: dict[str, int], total: int, **kw: object) -> Iterator[DataEvent]:
    """Events of several strategies, round-robin, each from its seq after `strategies[id]`
    up to `total` (what an engine replays after a resume)."""
    streams = [
        synthetic_events(sid, total - last, first_seq=last + 1, **kw)  # type: ignore[arg-type]
        for sid, last in strategies.items()
        if last < total
    ]
    while streams:
        for stream in list(streams):
            event = next(stream, None)
            if event is None:
                streams.remove(stream)
            else:
                yield event


async def ingest_worker(
    dsn: str, spool_dir: str, strategy_ids: list[str], total: int, pause_every: int = 200
) -> None:
    """A minimal collector for the kill tests: resume from max(stored, spooled) seq, put
    the rest through a spooling StoreWriter, close cleanly. Prints "ready" once resumed."""
    import asyncio

    from perfdesk.services.spool import Spool
    from perfdesk.services.store import Store
    from perfdesk.services.store_writer import StoreWriter

    store = await Store.open(dsn, max_size=2, timeout=5)
    spool = Spool(Path(spool_dir))
    stored = await store.last_seqs()
    resume = {s: max(stored.get(s, 0), spool.last_seqs().get(s, 0)) for s in strategy_ids}
    writer = StoreWriter(store, spool=spool, batch_size=500, max_delay_s=0.01, retry_max_s=0.5)
    writer.start()
    print("ready", flush=True)
    for n, event in enumerate(interleaved(resume, total, fill_every=5, status_every=41)):
        await writer.put(event)
        if n % pause_every == 0:
            await asyncio.sleep(0.002)
    await writer.aclose()
    spool.close()
    await store.close()
