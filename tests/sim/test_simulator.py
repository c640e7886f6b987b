"""The simulator speaks protocol v1 correctly, on a real websocket on 127.0.0.1."""

from __future__ import annotations

import itertools

import orjson
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from perfdesk.domain.events import Batch, EngineError, FrameError, Hello, StrategyInfo, parse_frame
from perfdesk.publish.history import History
from perfdesk.sim import Archetype, Simulator, default_strategies

FAST = {"rate": 2000.0, "speedup": 1440.0 * 200}


async def _read_data(ws, count: int) -> list:
    """Read frames until `count` data events arrived (batches unpacked)."""
    out = []
    while len(out) < count:
        frame = parse_frame(await ws.recv())
        if isinstance(frame, Batch):
            out.extend(frame.frames)
        elif frame.type in ("equity", "fill", "status"):
            out.append(frame)
    return out


async def test_hello_strategy_frames_then_stream_from_seq_1():
    sim = Simulator(strategies=3, seed=1, **FAST)
    url = await sim.start()
    try:
        async with connect(url, close_timeout=0.5) as ws:
            hello = parse_frame(await ws.recv())
            assert isinstance(hello, Hello) and hello.protocol == 1
            infos = [parse_frame(await ws.recv()) for _ in range(3)]
            assert all(isinstance(i, StrategyInfo) for i in infos)
            for info in infos:
                exp = info.expectations
                assert exp is not None and exp.max_drawdown and exp.sharpe is not None
                assert exp.annual_volatility
            await ws.send('{"type":"subscribe","strategies":["*"],"resume":{}}')
            events = await _read_data(ws, 600)
    finally:
        await sim.stop()
    by_sid: dict[str, list[int]] = {}
    for e in events:
        by_sid.setdefault(e.strategy_id, []).append(e.seq)
    assert set(by_sid) == set(sim.strategy_ids)
    for seqs in by_sid.values():
        assert seqs == list(range(1, len(seqs) + 1))
    assert {e.type for e in events} >= {"equity", "fill", "status"}


async def test_resume_replays_from_history_and_filters_strategies():
    sim = Simulator(strategies=3, seed=2, **FAST)
    url = await sim.start()
    sid = sim.strategy_ids[0]
    try:
        await sim.wait_produced(200)
        sim.pause()
        last = sim.last_seq(sid)
        assert last > 20
        async with connect(url, close_timeout=0.5) as ws:
            sub = {"type": "subscribe", "strategies": [sid], "resume": {sid: 10}, "batch": 64}
            await ws.send(orjson.dumps(sub).decode())
            events = await _read_data(ws, last - 10)
    finally:
        await sim.stop()
    assert [e.seq for e in events] == list(range(11, last + 1))
    assert {e.strategy_id for e in events} == {sid}


async def test_resume_older_than_history_says_so():
    sim = Simulator(strategies=1, seed=3, history=50, **FAST)
    url = await sim.start()
    try:
        await sim.wait_produced(200)  # well past the 50-frame history
        sim.pause()
        async with connect(url, close_timeout=0.5) as ws:
            await ws.send('{"type":"subscribe"}')
            frame = None
            while not isinstance(frame, EngineError):
                frame = parse_frame(await ws.recv())
            assert frame.code == "resume_gap"
            (first,) = await _read_data(ws, 1)
            assert first.seq == sim.feeds[0].history.first_seq
    finally:
        await sim.stop()


async def test_bad_subscribe_gets_an_error_frame():
    sim = Simulator(strategies=1, **FAST)
    url = await sim.start()
    try:
        async with connect(url, close_timeout=0.5) as ws:
            await ws.send('{"type":"subscribe","resume":{"x":"lots"}}')
            frame = None
            while not isinstance(frame, EngineError):
                frame = parse_frame(await ws.recv())
            assert frame.code == "bad_request" and "resume.x" in frame.message
    finally:
        await sim.stop()


async def test_token_required_when_configured():
    sim = Simulator(strategies=1, token="s3cret", **FAST)
    url = await sim.start()
    try:
        with pytest.raises(InvalidStatus) as info:
            async with connect(url):
                pass
        assert info.value.response.status_code == 401
        async with connect(url, additional_headers={"Authorization": "Bearer s3cret"}) as ws:
            assert isinstance(parse_frame(await ws.recv()), Hello)
    finally:
        await sim.stop()


def test_same_seed_same_frames():
    a, b = Simulator(strategies=2, seed=7), Simulator(strategies=2, seed=7)
    for fa, fb in zip(a.feeds, b.feeds, strict=True):
        fa.advance(300)
        fb.advance(300)
        assert fa.history.since(0, 10_000) == fb.history.since(0, 10_000)
        assert fa.info_frame() == fb.info_frame()


def test_default_set_has_healthy_decay_break():
    kinds = [s.archetype for s in default_strategies(3)]
    assert kinds == [Archetype.HEALTHY, Archetype.DECAY, Archetype.BREAK]
    assert len({s.strategy_id for s in default_strategies(13)}) == 13


def _equity(feed) -> list[float]:
    frames, _ = feed.history.since(0, 10**7)
    return [d["equity"] for d in map(orjson.loads, frames) if d["type"] == "equity"]


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_break_exceeds_one_and_a_half_times_expected_drawdown_soon(seed):
    """At default rate/speed-up the break comes 25 s in; 1 s later DD > 1.5× expected."""
    sim = Simulator(strategies=3, seed=seed)
    feed = next(f for f in sim.feeds if f.spec.archetype is Archetype.BREAK)
    feed.advance(int(26 * sim.rate))
    equity = _equity(feed)
    peak, worst = equity[0], 0.0
    for e in equity:
        peak = max(peak, e)
        worst = max(worst, 1 - e / peak)
    assert worst > 1.5 * feed.expectations.max_drawdown
    before = _equity(feed)[: int(24 * sim.rate)]
    peak, worst_before = before[0], 0.0
    for e in before:
        peak = max(peak, e)
        worst_before = max(worst_before, 1 - e / peak)
    assert worst_before < feed.expectations.max_drawdown


def test_generated_frames_validate_and_share_one_seq_counter():
    sim = Simulator(strategies=6, seed=5)
    for feed in sim.feeds:
        feed.advance(2000)
        frames, _ = feed.history.since(0, 10**6)
        parsed = [parse_frame(f) for f in frames]
        assert [p.seq for p in parsed] == list(range(1, len(parsed) + 1))
        assert parsed[0].type == "status"
        ts = [p.ts for p in parsed]
        assert ts == sorted(ts)
        assert all(p.ts.weekday() < 5 for p in parsed)  # weekends skipped


def test_stall_archetype_goes_quiet_then_resumes():
    spec = next(s for s in default_strategies(4) if s.archetype is Archetype.STALL)
    sim = Simulator(strategies=[spec])
    feed = sim.feeds[0]
    per_s = sim.speedup / sim.rate
    feed.advance(int(spec.change_at_s / per_s) + 5)
    quiet_start = feed.last_seq
    feed.advance(int(spec.change_for_s / per_s) - 10)
    assert feed.last_seq == quiet_start
    feed.advance(20)
    assert feed.last_seq > quiet_start


def test_history_ring_and_holes():
    h = History(5)
    for seq in (1, 2, 4, 5, 6, 7):
        h.append(seq, f"f{seq}")
    assert h.first_seq == 3
    assert h.since(0, 100) == (["f4", "f5", "f6", "f7"], 7)
    assert h.since(4, 2) == (["f5", "f6"], 6)
    with pytest.raises(ValueError, match="capacity"):
        History(0)


def test_bad_configuration_is_refused():
    with pytest.raises(ValueError, match="rate"):
        Simulator(rate=0)
    with pytest.raises(FrameError):
        parse_frame("{")


async def test_ping_is_answered_with_a_heartbeat():
    sim = Simulator(strategies=1, heartbeat_s=60.0, **FAST)
    url = await sim.start()
    try:
        async with connect(url, close_timeout=0.5) as ws:
            for _ in range(2):  # hello + strategy
                await ws.recv()
            await ws.send('{"type":"ping"}')
            assert parse_frame(await ws.recv()).type == "heartbeat"
    finally:
        await sim.stop()


async def test_repeat_and_skip_faults_on_the_wire():
    from perfdesk.sim import FaultConfig

    faults = FaultConfig(repeat_prob=0.05, skip_prob=0.05)
    sim = Simulator(strategies=1, seed=8, faults=faults, **FAST)
    url = await sim.start()
    try:
        async with connect(url, close_timeout=0.5) as ws:
            await ws.send('{"type":"subscribe"}')
            seqs = [e.seq for e in await _read_data(ws, 2000)]
    finally:
        await sim.stop()
    assert any(b == a for a, b in itertools.pairwise(seqs))  # repeats
    assert any(b > a + 1 for a, b in itertools.pairwise(seqs))  # skips
    assert all(b >= a for a, b in itertools.pairwise(seqs))  # never backwards


def test_a_strategy_that_keeps_breaking_still_sends_valid_fills() -> None:
    """60 simulated days of a broken strategy (the soak's hour): equity heads to 0, but
    every fill still has a price > 0 (before, they rounded to 0.0 and were dead-lettered)."""
    import json as _json

    from perfdesk.domain.events import parse_frame
    from perfdesk.sim import Simulator as _Simulator

    sim = _Simulator(strategies=50, seed=3, rate=100.0, history=20_000)
    feed = sim.feed("carry-break-4")
    for _ in range(40):
        feed.advance(10_000)
    frames, _ = feed.history.since(feed.last_seq - 20_000, 20_000)
    fills = [f for f in frames if _json.loads(f)["type"] == "fill"]
    assert fills
    for frame in fills:
        parse_frame(frame)  # raises on a price of 0


def test_a_raised_volatility_stays_raised_not_explosive() -> None:
    """A break doubles the volatility: the daily GARCH must stay stationary around twice
    its level (fed the scaled shocks its persistence became α·4 + β = 1.22 a day, and a
    demo's broken strategy reached 17× its volatility within weeks)."""
    import numpy as np

    from perfdesk.sim.returns import GarchParams, IntradayGarch

    params = GarchParams(annual_return=0.0, annual_volatility=0.16)
    g = IntradayGarch(params, np.random.default_rng(3))
    g.vol_scale = 2.0
    days = np.array([sum(g.step(0.1, d) for _ in range(10)) for d in range(1, 401)])
    late = days[200:].std() / np.sqrt(params.daily_variance)
    assert 1.6 < late < 2.5, late  # twice the model's daily volatility, months later
