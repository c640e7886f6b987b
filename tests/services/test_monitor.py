from datetime import UTC, datetime, timedelta

import numpy as np

from perfdesk.domain.events import EquityEvent, StatusEvent, StrategyInfo
from perfdesk.domain.expectations import Expectations
from perfdesk.domain.status import FeedState, Status, StrategyState
from perfdesk.services.live.monitor import LiveMonitor

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def equity(seq: int, value: float, sid: str = "s1") -> EquityEvent:
    return EquityEvent(
        strategy_id=sid,
        seq=seq,
        ts=T0 + timedelta(seconds=seq),
        equity=value,
        realized_pnl=0.0,
        unrealized_pnl=0.0,
        position_value=0.0,
    )


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def test_snapshot_tracks_equity_drawdown_and_chart() -> None:
    monitor = LiveMonitor()
    monitor.on_strategy(
        StrategyInfo(strategy_id="s1", name="Momentum", status=StrategyState.ACTIVE)
    )
    for seq, value in enumerate([100.0, 110.0, 99.0, 104.5], start=1):
        monitor.on_event(equity(seq, value))
    snap = monitor.snapshots()["s1"]
    assert snap.name == "Momentum"
    assert snap.equity == 104.5
    assert snap.max_drawdown == 0.1  # 110 -> 99
    assert snap.events == 4
    assert snap.chart_equity.tolist() == [100.0, 110.0, 99.0, 104.5]


def test_snapshots_are_rebuilt_only_when_changed() -> None:
    monitor = LiveMonitor()
    monitor.on_event(equity(1, 100.0))
    first = monitor.snapshots()["s1"]
    assert monitor.snapshots()["s1"] is first
    monitor.on_event(equity(2, 101.0))
    assert monitor.snapshots()["s1"].version > first.version


def test_status_event_changes_state() -> None:
    monitor = LiveMonitor()
    monitor.on_event(StatusEvent(strategy_id="s1", seq=1, ts=T0, status=StrategyState.FAILED))
    assert monitor.snapshots()["s1"].state is StrategyState.FAILED


def test_drawdown_beyond_expectation_is_critical() -> None:
    monitor = LiveMonitor()
    info = StrategyInfo(
        strategy_id="s1",
        name="Breaker",
        status=StrategyState.ACTIVE,
        expectations=Expectations(max_drawdown=0.10),
    )
    monitor.on_strategy(info)
    for seq, value in enumerate([100.0, 95.0, 80.0], start=1):
        monitor.on_event(equity(seq, value))
    (verdict,) = monitor.validate()
    assert verdict.status is Status.CRITICAL
    assert monitor.snapshots()["s1"].verdict == verdict


def test_staleness_is_measured_by_arrival_not_event_time() -> None:
    clock = Clock()
    monitor = LiveMonitor(clock=clock)
    monitor.on_event(equity(1, 100.0))  # event ts is in 2026-03, arrival is "now"
    arrived = datetime.fromtimestamp(clock.now, UTC)
    (fresh,) = monitor.validate(arrived + timedelta(seconds=1))
    assert fresh.rule("stale") is not None and fresh.rule("stale").status is Status.OK
    (stale,) = monitor.validate(arrived + timedelta(seconds=60))
    assert stale.rule("stale").status is Status.WARNING


def test_feed_state_reaches_every_snapshot() -> None:
    monitor = LiveMonitor()
    monitor.on_event(equity(1, 100.0, "a"))
    monitor.on_event(equity(1, 100.0, "b"))
    monitor.set_feed(FeedState.LIVE)
    assert {s.feed for s in monitor.snapshots().values()} == {FeedState.LIVE}


def test_after_a_start_the_stored_history_is_not_a_stale_feed_until_the_engine_had_time() -> None:
    """Warmed up from an hour-old stored history, a strategy is not stale the moment
    perfdesk starts (each start raised a stale warning per strategy, cleared a second
    later by the engine's replay); with nothing arriving it is, once `stale_after_s`
    (10 s by default) has passed since the start."""
    clock = Clock()
    monitor = LiveMonitor(clock=clock)
    last = clock.now - 3_600.0  # the app was closed for an hour
    monitor.warm("s1", np.array([last - 60.0, last]), np.array([100.0, 101.0]))
    start = datetime.fromtimestamp(clock.now, UTC)
    (at_start,) = monitor.validate(start)
    assert at_start.rule("stale").status is Status.OK
    assert monitor.snapshots()["s1"].received_at is None  # nothing was received
    clock.now += 31.0
    (later,) = monitor.validate(start + timedelta(seconds=31))
    assert later.rule("stale").status is Status.WARNING
