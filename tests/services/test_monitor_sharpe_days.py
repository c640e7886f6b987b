"""The live snapshot says how many finished days stand behind its Sharpe, so screens can
withhold it below the minimum sample (perfdesk.analytics.metrics.sample_size)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from perfdesk.domain.events import EquityEvent, StrategyInfo
from perfdesk.domain.status import StrategyState
from perfdesk.services.live.monitor import LiveMonitor

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def _equity(seq: int, day: int, value: float) -> EquityEvent:
    return EquityEvent(strategy_id="s1", seq=seq, ts=T0 + timedelta(days=day), equity=value,
                       realized_pnl=0.0, unrealized_pnl=0.0, position_value=0.0)  # fmt: skip


def test_sharpe_days_counts_finished_daily_returns() -> None:
    monitor = LiveMonitor()
    monitor.on_strategy(StrategyInfo(strategy_id="s1", name="m", status=StrategyState.ACTIVE))
    values = 100.0 * np.cumprod(1 + np.random.default_rng(3).normal(0.001, 0.01, 8))
    for day, value in enumerate(values):
        monitor.on_event(_equity(day + 1, day, float(value)))
    snap = monitor.snapshots()["s1"]
    # 8 daily closes; the last day is still open: 6 finished close-to-close returns
    assert snap.sharpe_days == 6
    assert snap.sharpe is not None
