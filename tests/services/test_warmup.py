"""A restarted monitor resumes from the database what a monitor that never stopped has."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from perfdesk.bench.storage import synthetic_events
from perfdesk.domain.events import EquityEvent, StrategyInfo
from perfdesk.domain.expectations import Expectations
from perfdesk.domain.status import StrategyState
from perfdesk.services.live.monitor import LiveMonitor
from perfdesk.services.live.warmup import warm_up
from perfdesk.services.store.store import Store

START = datetime(2026, 3, 2, tzinfo=UTC)
SID = "warm"
STEP_S = 60.0
COUNT = 5 * 24 * 60  # five days of 1-minute samples


def events_with_a_late_drawdown() -> list:
    events = list(synthetic_events(SID, COUNT, start=START, step_s=STEP_S, fill_every=37))
    # In the last stored hour: a fall of 30 % and a partial recovery (raw-sample range).
    last = [e for e in events if isinstance(e, EquityEvent)][-1].equity
    for i, factor in enumerate([0.9, 0.8, 0.7, 0.75]):
        seq = COUNT + 1 + i
        ts = START + timedelta(seconds=(seq - 1) * STEP_S)
        value = last * factor
        events.append(
            EquityEvent(
                strategy_id=SID, seq=seq, ts=ts, equity=value, realized_pnl=0.0,
                unrealized_pnl=0.0, position_value=0.0,
            )
        )  # fmt: skip
    return events


async def test_warm_up_resumes_equity_drawdown_pnl_and_fills(store: Store) -> None:
    info = StrategyInfo(
        strategy_id=SID,
        name="Warm",
        status=StrategyState.ACTIVE,
        expectations=Expectations(max_drawdown=0.2, trades_per_day=38.0),
    )
    await store.upsert_strategy(info)
    events = events_with_a_late_drawdown()
    await store.write_events(events)

    live = LiveMonitor()
    live.on_strategy(info)
    for event in events:
        live.on_event(event)
    restarted = LiveMonitor()
    fed = await warm_up(restarted, store)

    assert 0 < fed < COUNT  # thinned: daily and minute closes before the last hour
    before, after = live.snapshots()[SID], restarted.snapshots()[SID]
    assert after.name == "Warm"
    assert after.equity == before.equity
    assert after.max_drawdown == before.max_drawdown  # the fall is in the raw hour
    assert after.max_drawdown > 0.29
    assert after.pnl_today == before.pnl_today
    assert after.events == 0  # nothing was *received* by the restarted monitor
    stats_before = live._live[SID].stats.trades
    stats_after = restarted._live[SID].stats.trades
    assert stats_after.fills == stats_before.fills > 100
    assert stats_after.wins == stats_before.wins
    (verdict,) = restarted.validate()
    assert verdict.rule("drawdown") is not None
    assert verdict.rule("drawdown").status.severity >= 2  # 30 % vs 20 % expected


async def test_warm_up_of_an_empty_database_is_a_no_op(store: Store) -> None:
    monitor = LiveMonitor()
    assert await warm_up(monitor, store) == 0
    assert monitor.snapshots() == {}


async def test_warm_up_of_a_subset_reads_only_its_strategies(store: Store) -> None:
    """A subset collector warms up only the strategies it watches (the rest of the
    shared store belongs to other collectors)."""
    for sid in ("mine", "theirs"):
        await store.upsert_strategy(
            StrategyInfo(strategy_id=sid, name=sid, status=StrategyState.ACTIVE)
        )
        await store.write_events(list(synthetic_events(sid, 500, start=START, step_s=STEP_S)))
    monitor = LiveMonitor()
    fed = await warm_up(monitor, store, frozenset({"mine"}))
    assert fed > 0
    assert set(monitor.snapshots()) == {"mine"}
