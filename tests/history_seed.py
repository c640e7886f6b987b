"""Stored history for the history tests (services and views): real events, real rollups."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from perfdesk.analytics.profile import expectations_from_backtest
from perfdesk.bench.storage import synthetic_events
from perfdesk.domain.events import StrategyInfo
from perfdesk.domain.status import StrategyState
from perfdesk.services.store.store import Store

START = datetime(2026, 3, 2, tzinfo=UTC)
DAYS = 4
STEP_S = 120.0


async def seed(store: Store, sid: str = "alpha", with_expectations: bool = True) -> None:
    """DAYS days of samples every STEP_S s (every 10th event a fill), via write_events."""
    exp = None
    if with_expectations:
        rng = np.random.default_rng(3)
        exp = expectations_from_backtest(
            rng.normal(5e-4, 0.01, 300), n_paths=200, trades_per_day=70, slippage_bps=1.0
        )
    info = StrategyInfo(
        strategy_id=sid, name=sid.title(), status=StrategyState.ACTIVE, expectations=exp
    )
    await store.upsert_strategy(info)
    count = int(DAYS * 86_400 / STEP_S)
    events = list(synthetic_events(sid, count, start=START, step_s=STEP_S, fill_every=10))
    for i in range(0, len(events), 2000):
        await store.write_events(events[i : i + 2000])
