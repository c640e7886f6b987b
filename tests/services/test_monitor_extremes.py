"""Valid but extreme input never stops the monitor from judging (property-based).

Frames that pass the protocol's schema but sit at its edges — equity alternating between
1e-300 and 1e15 (returns of 1e315, beyond a float), denormals, zero and negative equity,
a fill price of 1e12 — must give every
strategy a verdict of its rules (never the judge_failed verdict of a rule that raised),
and must not change the verdicts of the other strategies.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfdesk.domain.events import EquityEvent, FillEvent, StrategyInfo
from perfdesk.domain.expectations import Expectations
from perfdesk.domain.status import StrategyState
from perfdesk.services.live.monitor import JUDGE_FAILED, LiveMonitor

START = datetime(2026, 1, 5, tzinfo=UTC)
MONEY = 1e15  # the protocol's bound on money fields: anything the schema admits
EXTREMES = [1e-300, MONEY, 5e-324, 2.2250738585072014e-308, 1e-12, 1.0, 100.0, 0.0, -MONEY]
steps = st.lists(
    st.tuples(st.sampled_from(EXTREMES) | st.floats(-MONEY, MONEY), st.integers(1, 86_400 * 3)),
    min_size=2,
    max_size=60,
)


def _equity(sid: str, seq: int, ts: datetime, value: float) -> EquityEvent:
    return EquityEvent(
        strategy_id=sid, seq=seq, ts=ts, equity=value, realized_pnl=value / 2,
        unrealized_pnl=-value / 3, position_value=value,
    )  # fmt: skip


def _healthy(monitor: LiveMonitor) -> None:
    t = START
    for seq in range(1, 120):
        t += timedelta(hours=6)
        monitor.on_event(_equity("healthy", seq, t, 100.0 * (1 + 0.001 * (seq % 7 - 3))))


def _expectations() -> Expectations:
    return Expectations(max_drawdown=0.2, sharpe=1.0, win_rate=0.55, trades_per_day=3.0)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=steps, fills=st.booleans())
def test_extreme_but_finite_values_never_stop_judging(steps, fills) -> None:
    monitor = LiveMonitor()
    for sid in ("healthy", "hostile"):
        monitor.on_strategy(
            StrategyInfo(
                strategy_id=sid, name=sid, status=StrategyState.ACTIVE, expectations=_expectations()
            )
        )
    _healthy(monitor)
    reference = LiveMonitor()
    reference.on_strategy(
        StrategyInfo(
            strategy_id="healthy",
            name="healthy",
            status=StrategyState.ACTIVE,
            expectations=_expectations(),
        )
    )
    _healthy(reference)
    t, seq = START, 0
    for value, dt in steps:
        t += timedelta(seconds=dt)
        seq += 1
        monitor.on_event(_equity("hostile", seq, t, value))
        if fills:
            seq += 1
            monitor.on_event(
                FillEvent(
                    strategy_id="hostile",
                    seq=seq,
                    ts=t,
                    order_id=f"o{seq}",
                    symbol="X",
                    side="buy" if seq % 2 else "sell",
                    qty=1e12,
                    price=1e12,
                    fee=1e9,
                    expected_price=1e-12,
                )
            )
    now = t + timedelta(seconds=1)
    verdicts = {v.strategy_id: v for v in monitor.validate(now)}
    expected = {v.strategy_id: v for v in reference.validate(now)}
    failed = [r.message for v in verdicts.values() for r in v.rules if r.rule == JUDGE_FAILED]
    assert not failed
    assert {r.rule: r.status for r in verdicts["healthy"].rules} == {
        r.rule: r.status for r in expected["healthy"].rules
    }
    monitor.snapshots()  # the views' read must not raise either


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.sampled_from([1e-300, 1e300, 5e-324, 1e308, 1.0]), min_size=2))
def test_the_validator_itself_survives_values_beyond_the_protocol(values) -> None:
    """The same validator judges CSV backtests (`perfdesk analyze`), whose values the
    protocol's bounds do not limit: 1e-300 / 1e300 alternating gives returns of 1e600."""
    from perfdesk.analytics.streaming import EquityStats
    from perfdesk.analytics.validator import validate
    from perfdesk.domain.thresholds import Thresholds

    stats = EquityStats()
    t = START.timestamp()
    for value in values:
        t += 3_600 * 7
        stats.update(t, value)
    now = datetime.fromtimestamp(t + 1, UTC)
    verdict = validate("x", stats, _expectations(), Thresholds(), now)
    assert verdict.rules
