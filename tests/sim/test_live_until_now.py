"""The demo never stamps a frame in the future: it runs a trading day a wall minute
until it reaches the present, then in real time (before, after about 45 minutes every
frame it sent was refused as "outside the accepted window" and every feed went stale);
a kept demo regenerates the switch where it was made, frame for frame."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

from perfdesk.demo_desk import catch_up, demo_engine, state_path
from perfdesk.sim.clock import EPOCH, calendar_time, trading_seconds
from perfdesk.sim.server import Simulator


def _stamps(sim: Simulator) -> list[datetime]:
    out = []
    for feed in sim.feeds:
        frames, _ = feed.history.since(0, 10**7)
        out += [datetime.fromisoformat(orjson.loads(f)["ts"]) for f in frames]
    return out


def test_trading_seconds_inverts_calendar_time_and_closes_weekends() -> None:
    for s in (0.0, 3_600.5, 4 * 86_400 + 86_399.0, 5 * 86_400 + 12.25, 52 * 86_400.0):
        assert abs(trading_seconds(calendar_time(s)) - s) < 1e-6
    saturday = EPOCH + timedelta(days=5, hours=9)
    last = trading_seconds(saturday)
    assert calendar_time(last) < EPOCH + timedelta(days=7) <= calendar_time(last + 1e-5)
    assert calendar_time(last) > EPOCH + timedelta(days=4, hours=23, minutes=59)
    assert trading_seconds(EPOCH - timedelta(days=3)) < 0  # before the epoch: the Friday


def test_the_stream_reaches_the_present_then_keeps_pace_with_the_clock() -> None:
    now = calendar_time(30 * 144.0 + 5.0)  # 30 fast samples of 144 s, then 5 s of room
    sim = Simulator(strategies=2, live_until_now=True, clock=lambda: now)
    switched: list[float] = []
    sim.on_realtime = switched.append
    assert sim.produce(100) == 30 and switched == [30 * 144.0]  # up to now, then real time
    assert sim.realtime_from_s == 30 * 144.0
    assert sim.produce(100) == 50  # 5 trading seconds at 1/rate (0.1 s) a sample
    assert sim.produce(100) == 0  # nothing beyond now
    assert max(_stamps(sim)) <= now
    later = now + timedelta(seconds=2)
    sim.clock = lambda: later
    assert sim.produce(100) == 20 and max(_stamps(sim)) <= later
    assert switched == [30 * 144.0]  # said once
    lead = sim.feeds[0]
    assert lead.dt_s == 0.1 and abs(lead.time_s - (30 * 144.0 + 7.0)) < 1e-6


def test_over_the_weekend_the_stream_stops_at_fridays_close() -> None:
    friday_night = calendar_time(4 * 86_400 + 86_390.0)
    sim = Simulator(strategies=1, live_until_now=True, clock=lambda: friday_night)
    while sim.produce(1000):
        pass
    sunday = friday_night + timedelta(days=1, hours=12)
    sim.clock = lambda: sunday
    while sim.produce(1000):
        pass
    stamps = _stamps(sim)
    close = EPOCH + timedelta(days=5)
    assert close - timedelta(seconds=1) < max(stamps) < close  # Friday's last tenth, no later
    monday = close + timedelta(days=2, seconds=3)
    sim.clock = lambda: monday
    assert 29 <= sim.produce(1000) <= 31  # Monday's first 3 s at 0.1 s a sample
    assert max(_stamps(sim)) <= monday
    assert trading_seconds(monday) - sim.feeds[0].time_s < 0.1  # and up to now


def test_without_the_flag_the_simulator_runs_ahead_as_tests_need() -> None:
    sim = Simulator(strategies=1, clock=lambda: EPOCH)
    assert sim.produce(100) == 100 and sim.realtime_from_s is None


def test_a_kept_demo_regenerates_its_switch_to_real_time_frame_for_frame(tmp_path: Path) -> None:
    start = datetime(2026, 12, 7, 17, 0, tzinfo=UTC)  # a Monday
    first, note = demo_engine(tmp_path, "postgresql://demo@h/db", {}, now=start)
    assert "a new demo" in note
    now = calendar_time(40 * 144.0 + 30.0, first.epoch)  # reached after 40 fast samples
    first.clock = lambda: now
    while first.produce(1000):
        pass
    later = now + timedelta(seconds=20)
    first.clock = lambda: later
    while first.produce(1000):
        pass
    saved = json.loads(state_path(tmp_path, "postgresql://demo@h/db").read_text())
    assert saved["realtime_from_s"] == 40 * 144.0
    assert max(_stamps(first)) <= later
    stored = {f.strategy_id: f.last_seq - 3 * i for i, f in enumerate(first.feeds)}
    again, note = demo_engine(tmp_path, "postgresql://demo@h/db", stored, now=later)
    assert "kept" in note and again.realtime_from_s == 40 * 144.0
    assert again.epoch == first.epoch
    for old, new in zip(first.feeds, again.feeds, strict=True):
        last = stored[old.strategy_id]
        assert new.history.since(last - 40, 40)[0] == old.history.since(last - 40, 40)[0]
    again.clock = lambda: later
    while again.produce(1000):  # the kept demo goes on exactly as the first run did
        pass
    for old, new in zip(first.feeds, again.feeds, strict=True):
        assert new.last_seq == old.last_seq
        assert new.history.since(old.last_seq - 20, 20) == old.history.since(old.last_seq - 20, 20)
    assert catch_up(again, stored) == 0  # nothing left to regenerate
