"""The live path's shortcuts: `epoch_seconds` is `timestamp()` exactly, and
`LiveMonitor.on_events` is `on_event` on each event."""

from __future__ import annotations

import dataclasses
import json
import random
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic_core import TzInfo

from perfdesk.domain.events import Batch, DataEvent, EquityEvent, parse_frame
from perfdesk.services.live.monitor import LiveMonitor, epoch_seconds

ZONES = [
    UTC,
    TzInfo(0),
    timezone(timedelta(0), "Z"),
    timezone(timedelta(hours=5, minutes=30)),
    timezone(-timedelta(hours=8)),
    TzInfo(3600),
    ZoneInfo("Europe/London"),  # offset zero in winter only
    ZoneInfo("America/New_York"),
]


@pytest.mark.parametrize("zone", ZONES, ids=repr)
@pytest.mark.parametrize(
    "fields",
    [
        (1970, 1, 1, 0, 0, 0, 0),
        (1969, 12, 31, 23, 59, 59, 999_999),
        (2026, 1, 15, 0, 0, 0, 1),
        (2026, 7, 15, 23, 59, 59, 999_999),
        (2026, 3, 29, 1, 30, 0, 500_000),  # London's DST gap hour
        (2038, 1, 19, 3, 14, 8, 123_457),
        (1, 1, 2, 0, 0, 0, 1),
        (9999, 12, 30, 23, 59, 59, 999_999),
    ],
)
def test_epoch_seconds_is_timestamp_exactly(zone: object, fields: tuple[int, ...]) -> None:
    ts = datetime(*fields, tzinfo=zone)  # type: ignore[arg-type, misc]
    assert epoch_seconds(ts).hex() == ts.timestamp().hex()


@given(
    st.datetimes(datetime(1, 1, 2), datetime(9999, 12, 30)),
    st.sampled_from([UTC, TzInfo(0), timezone(timedelta(hours=-3)), TzInfo(-7200)]),
)
@settings(max_examples=2000, deadline=None)
def test_epoch_seconds_equals_timestamp_anywhere(naive: datetime, zone: object) -> None:
    ts = naive.replace(tzinfo=zone)  # type: ignore[arg-type]
    assert epoch_seconds(ts).hex() == ts.timestamp().hex()


@pytest.mark.parametrize("suffix", ["Z", "+00:00", "-00:00", "+05:30", "-08:00"])
@pytest.mark.parametrize("clock", ["00:00:00", "23:59:59.999999", "12:34:56.000001", "06:00:00.5"])
def test_epoch_seconds_of_validated_timestamps(suffix: str, clock: str) -> None:
    frame = {"type": "status", "strategy_id": "s", "seq": 1, "status": "active"}
    event = parse_frame(json.dumps({**frame, "ts": f"2026-03-02T{clock}{suffix}"}))
    assert isinstance(event, DataEvent)
    assert epoch_seconds(event.ts).hex() == event.ts.timestamp().hex()


def test_validated_timestamps_share_the_zone_epoch_seconds_expects() -> None:
    """epoch_seconds is only fast for pydantic's shared TzInfo(0) (still exact otherwise):
    if a pydantic upgrade changes that, this says why the live path got slower."""
    frame = {"type": "status", "strategy_id": "s", "seq": 1, "status": "active"}
    zones = {parse_frame(json.dumps({**frame, "ts": f"2026-03-02T0{h}:00:00Z"})).ts.tzinfo
             for h in range(3)}  # fmt: skip
    assert len(zones) == 1 and zones.pop() is TzInfo(0)


def _frames(n: int, seed: int) -> list[DataEvent]:
    """Validated events of 3 strategies (timestamps with the parser's tzinfo): equity with
    day rolls and drawdowns, a fill every ~10 events, status changes."""
    rng = random.Random(seed)
    t = dict.fromkeys(["a", "b", "c"], datetime(2026, 3, 2, 22, tzinfo=UTC))
    seq = dict.fromkeys(t, 0)
    equity = dict.fromkeys(t, 1000.0)
    items: list[dict[str, object]] = []
    for _ in range(n):
        sid = rng.choice("abc")
        seq[sid] += 1
        t[sid] += timedelta(seconds=rng.uniform(0, 900))
        base = {"strategy_id": sid, "seq": seq[sid], "ts": t[sid].isoformat()}
        r = rng.random()
        if r < 0.1:
            side = rng.choice(["buy", "sell"])
            px = rng.uniform(99, 101)
            items.append({**base, "type": "fill", "order_id": "o", "symbol": rng.choice("XY"),
                          "side": side, "qty": float(rng.randint(1, 3)), "price": px,
                          "fee": 0.1, "expected_price": 100.0})  # fmt: skip
        elif r < 0.13:
            items.append({**base, "type": "status", "status": rng.choice(["active", "paused"])})
        else:
            equity[sid] *= 1 + rng.gauss(0, 0.01)
            items.append({**base, "type": "equity", "equity": equity[sid], "realized_pnl": 0.0,
                          "unrealized_pnl": 0.0, "position_value": 0.0})  # fmt: skip
    events: list[DataEvent] = []
    for i in range(0, n, 200):  # frames under the size limit
        batch = parse_frame(json.dumps({"type": "batch", "frames": items[i : i + 200]}))
        assert isinstance(batch, Batch)
        events += batch.frames
    return events


def _summary(monitor: LiveMonitor) -> list[object]:
    out: list[object] = []
    for sid, snap in sorted(monitor.snapshots().items()):
        trades = monitor._live[sid].stats.trades
        out.append((sid, snap.equity, snap.pnl_today, snap.drawdown, snap.max_drawdown,
                    snap.sharpe, snap.events, snap.last_ts, snap.version, snap.state,
                    snap.received_at, snap.chart_t.tolist(), snap.chart_equity.tolist(),
                    trades.fills, trades.wins, trades.losses, trades.first_ts, trades.last_ts,
                    trades.slippage_bps.mean))  # fmt: skip
    out.append(monitor.validate(datetime(2026, 3, 9, tzinfo=UTC)))
    return out


@pytest.mark.parametrize("chunk", [1, 7, 256])
def test_on_events_equals_on_event_per_event(chunk: int) -> None:
    events = _frames(1500, seed=chunk)
    single, batched = LiveMonitor(clock=lambda: 5.0), LiveMonitor(clock=lambda: 5.0)
    for event in events:
        single.on_event(event)
    for i in range(0, len(events), chunk):
        batched.on_events(events[i : i + chunk])
    assert _summary(batched) == _summary(single)


def test_on_events_reads_the_clock_once_per_batch() -> None:
    reads: list[float] = []

    def clock() -> float:
        reads.append(float(len(reads)))
        return reads[-1]

    monitor = LiveMonitor(clock=clock)
    monitor.on_events(_frames(50, seed=3))
    assert reads == [0.0]
    assert {s.received_at for s in monitor.snapshots().values()} == {0.0}


def test_a_failing_event_does_not_stop_the_rest_of_the_batch() -> None:
    good = [e for e in _frames(40, seed=4) if isinstance(e, EquityEvent)]
    broken = dataclasses.replace(good[0])
    object.__setattr__(broken, "ts", None)  # past validation, as a buggy producer could
    monitor = LiveMonitor()
    with pytest.raises(AttributeError):
        monitor.on_events([good[0], broken, *good[1:]])
    reference = LiveMonitor()
    reference.on_events(good)
    for sid, snap in reference.snapshots().items():
        assert monitor.snapshots()[sid].equity == snap.equity
        assert monitor.snapshots()[sid].chart_equity.tolist() == snap.chart_equity.tolist()
