"""`perfdesk bench storage`: load months of samples, compare with the raw COPY ceiling.

Also home of `synthetic_events`, the deterministic event generator the storage tests use.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

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
