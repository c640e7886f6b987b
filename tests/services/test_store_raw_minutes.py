"""Raw mode (migration 0600): a strategy that reports at most once a minute keeps no
1-minute bars of its own — its raw rows are its bars — until a minute holds two samples."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from rollup_check import assert_rollups_match_raw

from perfdesk.bench.storage import EPOCH, synthetic_events
from perfdesk.services.history import queries as history_queries
from perfdesk.services.store.store import Store
from perfdesk.services.store.writer import StoreWriter

REFERENCE_SQL = """
SELECT extract(epoch FROM ts)::float8 AS t, equity FROM equity
WHERE strategy_id = $1 AND ($2::timestamptz IS NULL OR ts >= $2)
  AND ($3::timestamptz IS NULL OR ts < $3) ORDER BY ts, seq"""


async def _state(store: Store, sid: str) -> tuple[bool, int]:
    """(minute_bars, stored 1-minute bars) of a strategy."""
    mode = await store.pool.fetchval(
        "SELECT minute_bars FROM ingest_state WHERE strategy_id = $1", sid
    )
    stored = await store.pool.fetchval("SELECT count(*) FROM rollup_1m WHERE strategy_id = $1", sid)
    return mode, stored


async def _same_as_full_scan(store: Store, sid: str, start: datetime | None, end: datetime | None):
    t, y = await store.equity_series(sid, start, end)
    rows = await store.pool.fetch(REFERENCE_SQL, sid, start, end)
    assert t.tolist() == [r["t"] for r in rows] and y.tolist() == [r["equity"] for r in rows]
    return len(rows)


async def test_minute_strategy_keeps_no_minute_bars_through_the_writer(store: Store) -> None:
    events = list(synthetic_events("m1", 3 * 1440 + 77, step_s=60, fill_every=5, status_every=97))
    writer = StoreWriter(store, batch_size=300, max_delay_s=0.01)  # the gated pipeline
    writer.start()
    await writer.put_many(events)
    await writer.aclose()
    assert await _state(store, "m1") == (False, 0)
    await assert_rollups_match_raw(store)  # bars_1m (raw rows + fills) == raw aggregates
    bars = await store.rollups("m1", "1m")
    equity_rows = sum(1 for e in events if e.type == "equity")
    assert int(bars["samples"].sum()) == equity_rows
    assert int(bars["fills"].sum()) == sum(1 for e in events if e.type == "fill")
    day = datetime(2026, 1, 6, tzinfo=UTC)
    edges = [
        (None, None),
        (day + timedelta(hours=5, seconds=30), day + timedelta(days=1, hours=2, seconds=1)),
        (day - timedelta(minutes=3), day + timedelta(minutes=3)),
        (day + timedelta(days=1), None),
    ]
    for start, end in edges:
        assert await _same_as_full_scan(store, "m1", start, end) > 0
        part = await store.rollups("m1", "1m", start, end)
        full = bars.bucket[
            (bars.bucket >= (start or EPOCH).timestamp())
            & (bars.bucket < (end.timestamp() if end else np.inf))
        ]
        assert part.bucket.tolist() == full.tolist()
    span = await history_queries.data_span(store.pool, "m1")
    assert span is not None and span[0] == EPOCH
    assert span[1].timestamp() == bars.bucket[-1]
    assert await history_queries.first_sample_ts(store.pool, "m1") == EPOCH
    closes = await history_queries.bar_closes(store.pool, "1m", "m1", EPOCH, day)
    in_range = (bars.bucket < day.timestamp()) & ~np.isnan(bars["close"])
    assert closes[1].tolist() == bars["close"][in_range].tolist()
    assert closes[0].tolist() == (bars.bucket[in_range] + 60).tolist()


def _later(sid: str, count: int, first_seq: int, first_ts: datetime, step_s: float):
    """`count` events from `first_seq` whose first one is at `first_ts`."""
    start = first_ts - timedelta(seconds=(first_seq - 1) * step_s)
    return list(
        synthetic_events(sid, count, start=start, step_s=step_s, first_seq=first_seq, fill_every=7)
    )


@pytest.mark.parametrize(
    ("gap_s", "step_s"),
    [(75.0, 10.0), (-600.0, 60.0), (30.0, 60.0)],
    ids=["sub-minute batch", "timestamps going back", "in the last stored minute"],
)
async def test_two_samples_in_a_minute_switch_to_stored_bars(
    store: Store, gap_s: float, step_s: float
) -> None:
    """Once a minute, then a batch that would put two samples in one minute: the bars
    are built from the raw rows in that batch's transaction and match the raw aggregates."""
    first = list(synthetic_events("sw", 600, step_s=60, fill_every=7))
    await store.write_events(first)
    assert await _state(store, "sw") == (False, 0)
    t_last = first[-1].ts if first[-1].type == "equity" else first[-2].ts
    await store.write_events(_later("sw", 300, 601, t_last + timedelta(seconds=gap_s), step_s))
    mode, stored = await _state(store, "sw")
    assert mode is True and stored > 0
    await assert_rollups_match_raw(store)
    assert int((await store.rollups("sw", "1m"))["samples"].max()) >= 2
    # Once a minute again: those bars are the batch's rows, read back and stored.
    last = (await store.rollups("sw", "1m")).bucket[-1]
    t_next = datetime.fromtimestamp(last, UTC) + timedelta(minutes=5)
    await store.write_events(_later("sw", 200, 901, t_next, 60.0))
    assert (await _state(store, "sw"))[1] > stored
    await assert_rollups_match_raw(store)


async def test_later_minutes_stay_raw(store: Store) -> None:
    first = list(synthetic_events("ok", 600, step_s=60, fill_every=7))
    await store.write_events(first)
    await store.write_events(_later("ok", 300, 601, first[-1].ts + timedelta(seconds=61), 90.0))
    assert await _state(store, "ok") == (False, 0)
    await assert_rollups_match_raw(store)


async def test_replay_into_a_raw_mode_strategy_switches_it(store: Store) -> None:
    events = list(synthetic_events("rp", 400, step_s=60, fill_every=6))
    await store.write_events(events[:300])
    assert await _state(store, "rp") == (False, 0)
    # A replay mixed with new rows goes the general way, which keeps stored bars.
    assert await store.write_events(events[250:]) == 100
    assert (await _state(store, "rp"))[0] is True
    await assert_rollups_match_raw(store)
    assert await store.count_events("rp") == 400


@pytest.mark.parametrize("step_s", [60.0, 45.0], ids=["raw mode", "stored bars"])
async def test_long_minute_reads_in_two_halves_equal_one_read(
    store: Store, monkeypatch: pytest.MonkeyPatch, step_s: float
) -> None:
    from perfdesk.services.store import equity_reads

    events = list(synthetic_events("long", int(20 * 86_400 / step_s), step_s=step_s, fill_every=9))
    for i in range(0, len(events), 5_000):
        await store.write_events(events[i : i + 5_000])
    day = timedelta(days=1)
    ranges = [
        (None, None),
        (EPOCH + 2 * day + timedelta(seconds=7), None),
        (None, EPOCH + 17 * day + timedelta(hours=3)),
        (EPOCH, EPOCH + 3 * day),
    ]
    halves = [await store.rollups("long", "1m", a, b) for a, b in ranges]
    assert len(await equity_reads.split_range(store.pool, "long", None, None)) == 2
    monkeypatch.setattr(equity_reads, "SPLIT_MIN_SPAN", timedelta(days=10_000))
    for (a, b), split in zip(ranges, halves, strict=True):
        whole = await store.rollups("long", "1m", a, b)
        assert split.bucket.tolist() == whole.bucket.tolist() and len(whole) > 1000
        for name in ("open", "close", "samples", "fills", "slippage_cost"):
            assert np.array_equal(split[name], whole[name], equal_nan=True), name


async def test_a_switch_inside_the_writer_pipeline(store: Store) -> None:
    """Two batches in the database at once around the switch: the one behind it COPYs
    before the switch commits and folds after it (as a strategy with stored bars)."""
    events = list(synthetic_events("pipe", 600, step_s=60, fill_every=7))
    t_next = events[-1].ts + timedelta(minutes=2)
    events += _later("pipe", 600, 601, t_next, 10.0)  # sub-minute: the switch
    events += _later("pipe", 600, 1201, t_next + timedelta(hours=3), 60.0)  # one a minute
    writer = StoreWriter(store, batch_size=97, max_delay_s=0.01)
    writer.start()
    await writer.put_many(events)
    await writer.aclose()
    assert writer.stats.written == len(events)
    assert (await _state(store, "pipe"))[0] is True
    await assert_rollups_match_raw(store)
