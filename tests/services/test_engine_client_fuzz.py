"""Fuzz (R4): ≥100,000 malformed or hostile frames through the real client over loopback.

Each frame is built to be invalid (a required field missing or of a hostile type, numbers
out of range, NaN/inf, unknown types, deep JSON, not JSON, non-UTF-8, oversized). The
client must not crash, must dead-letter every one with a reason, and must still deliver
real events afterwards.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfdesk.domain.events import MAX_FRAME_BYTES, FrameError, parse_frame
from perfdesk.domain.status import FeedState
from perfdesk.services.engine.backoff import Backoff
from perfdesk.services.engine.recorder import RecordingHandler
from perfdesk.services.engine.ws_client import EngineClient
from perfdesk.sim import Simulator

FRAMES_PER_EXAMPLE = 50
EXAMPLES = int(__import__("os").environ.get("FUZZ_EXAMPLES", 2_000))  # 100,000 frames

TS = "2026-01-05T00:00:00Z"
BASE = {
    "hello": {"protocol": 1, "engine_id": "e", "server_time": TS},
    "strategy": {"strategy_id": "s", "name": "n", "status": "active"},
    "equity": {
        "strategy_id": "s",
        "seq": 1,
        "ts": TS,
        "equity": 1.0,
        "realized_pnl": 0.0,
        "unrealized_pnl": 0.0,
        "position_value": 0.0,
    },
    "fill": {
        "strategy_id": "s",
        "seq": 1,
        "ts": TS,
        "order_id": "o",
        "symbol": "ES",
        "side": "buy",
        "qty": 1.0,
        "price": 1.0,
    },
    "status": {"strategy_id": "s", "seq": 1, "ts": TS, "status": "active"},
    "heartbeat": {"server_time": TS},
    "error": {"code": "c", "message": "m"},
}
NUMERIC = {
    "seq",
    "equity",
    "realized_pnl",
    "unrealized_pnl",
    "position_value",
    "qty",
    "price",
    "protocol",
}
OUT_OF_RANGE = {
    "seq": [0, -1, 2**62 + 1, 10**30],
    "equity": [1e16, -1e16, 10**400],
    "qty": [0, -5.0, 1e13],
    "price": [0.0, -1.0, 1e13],
    "protocol": [0, 2, 99],
}
KNOWN = {*BASE, "batch"}
OPTIONAL = {"protocol"}  # hello.protocol defaults to 1

utf8_text = st.text(st.characters(codec="utf-8"), max_size=40)
# Invalid for every required field, whatever its type (str, number, enum, datetime):
hostile_any = st.one_of(
    st.none(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(utf8_text, st.integers(), max_size=3),
    st.sampled_from(["NaN", "Infinity", "-Infinity"]).map(lambda t: ("raw", t)),
)
# Invalid for numeric fields only:
hostile_number = st.one_of(hostile_any, st.booleans(), utf8_text, st.just(("raw", "1e999")))


def _encode(doc: dict) -> str:
    """JSON with raw tokens (NaN, 1e999) spliced in where a value is ("raw", token)."""
    raws: list[str] = []

    def mark(value):
        if isinstance(value, tuple) and value and value[0] == "raw":
            raws.append(value[1])
            return f"\x00RAW{len(raws) - 1}\x00"
        return value

    text = json.dumps({k: mark(v) for k, v in doc.items()}, ensure_ascii=False)
    for i, token in enumerate(raws):
        text = text.replace(f'"\\u0000RAW{i}\\u0000"', token)
    return text


@st.composite
def missing_field(draw):
    kind = draw(st.sampled_from(sorted(BASE)))
    doc = {"type": kind, **BASE[kind]}
    del doc[draw(st.sampled_from(sorted(set(doc) - OPTIONAL)))]
    return _encode(doc)


@st.composite
def wrong_value(draw):
    kind = draw(st.sampled_from(sorted(BASE)))
    doc = {"type": kind, **BASE[kind]}
    field = draw(st.sampled_from(sorted(set(doc) - {"type"})))
    doc[field] = draw(hostile_number if field in NUMERIC else hostile_any)
    return _encode(doc)


@st.composite
def out_of_range(draw):
    field = draw(st.sampled_from(sorted(OUT_OF_RANGE)))
    kind = {"qty": "fill", "price": "fill", "protocol": "hello"}.get(field, "equity")
    doc = {"type": kind, **BASE[kind], field: draw(st.sampled_from(OUT_OF_RANGE[field]))}
    return _encode(doc)


@st.composite
def bad_timestamp(draw):
    kind = draw(st.sampled_from(["equity", "fill", "status"]))
    bad = draw(
        st.one_of(
            st.sampled_from(["2026-01-05T00:00:00", "2026-13-01T00:00:00Z", "yesterday", ""]),
            st.integers(),
            st.floats(allow_nan=False),
        )
    )
    return _encode({"type": kind, **BASE[kind], "ts": bad})


LABELS = [("hello", "engine_id"), ("strategy", "name"), ("fill", "symbol"), ("fill", "order_id")]
PROSE = [("status", "reason"), ("error", "message")]


@st.composite
def control_character(draw):
    """A text field with NUL or another control character (prose may keep \t \n \r)."""
    kind, field = draw(st.sampled_from(LABELS + PROSE))
    allowed = {"\t", "\n", "\r"} if (kind, field) in PROSE else set()
    bad = draw(
        st.characters(min_codepoint=0, max_codepoint=0x9F).filter(
            lambda c: (ord(c) < 0x20 or ord(c) >= 0x7F) and c not in allowed
        )
    )
    text = draw(utf8_text.filter(lambda t: all(ord(c) >= 0x20 for c in t)))[:30]
    at = draw(st.integers(0, len(text)))
    return _encode({"type": kind, **BASE[kind], field: text[:at] + bad + text[at:] or bad})


unknown_type = utf8_text.filter(lambda t: t not in KNOWN).map(
    lambda t: _encode({"type": t, "strategy_id": "s", "seq": 1})
)
deep_json = st.tuples(st.integers(65, 40_000), st.sampled_from(["[]", "{}"])).map(
    lambda p: (p[1][0] if p[1] == "[]" else '{"a":') * p[0] + "1" + (p[1][1] * p[0])
)
not_json = st.one_of(
    utf8_text.map(lambda t: "{" + t),
    utf8_text.map(lambda t: "~" + t),
    st.just(""),
)
non_object = st.one_of(st.integers(), st.lists(st.integers()), utf8_text).map(json.dumps)
non_utf8 = st.binary(max_size=60).map(lambda b: b"\xff" + b)
oversized = st.integers(0, 1000).map(
    lambda n: _encode({"type": "heartbeat", "server_time": TS, "pad": "x" * (MAX_FRAME_BYTES + n)})
)
hostile_frame = st.one_of(
    missing_field(),
    wrong_value(),
    out_of_range(),
    bad_timestamp(),
    control_character(),
    unknown_type,
    deep_json,
    not_json,
    non_object,
    non_utf8,
    oversized,
)


@pytest.mark.slow
def test_hostile_frames_are_all_dead_lettered_and_the_client_survives():
    loop = asyncio.new_event_loop()
    sim = Simulator(strategies=1, rate=200.0, speedup=1440.0 * 20)
    handler = RecordingHandler(keep_events=False)
    client = EngineClient("", handler, backoff=Backoff(base_s=0.01, cap_s=0.05))

    async def start() -> asyncio.Task[None]:
        client.url = await sim.start()
        sim.pause()
        task = asyncio.create_task(client.run())
        await handler.wait_for(lambda: client.state is FeedState.LIVE)
        return task

    async def send(frames: list[str | bytes]) -> None:
        before = len(handler.dead_letters)
        for frame in frames:
            await sim.inject(frame)
        await handler.wait_for(lambda: len(handler.dead_letters) >= before + len(frames))
        got = handler.dead_letters[before:]
        assert [raw for raw, _ in got] == frames
        assert all(reason.strip() for _, reason in got)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.lists(hostile_frame, min_size=FRAMES_PER_EXAMPLE, max_size=FRAMES_PER_EXAMPLE))
    def check(frames: list[str | bytes]) -> None:
        for frame in frames:  # the oracle: each one really is invalid
            with pytest.raises(FrameError):
                parse_frame(frame)
        loop.run_until_complete(send(frames))

    task = loop.run_until_complete(start())
    try:
        check()
        sim.unpause()
        loop.run_until_complete(handler.wait_for(lambda: handler.count() > 50))
        sim.pause()
        loop.run_until_complete(handler.wait_for(lambda: handler.count() == sim.total_sent))
    finally:
        loop.run_until_complete(client.stop())
        loop.run_until_complete(task)
        loop.run_until_complete(sim.stop())
        loop.close()
    assert len(handler.dead_letters) >= FRAMES_PER_EXAMPLE * EXAMPLES
    assert client.stats.dead_letters == len(handler.dead_letters)
    assert client.stats.reconnects == 0 and client.stats.handler_errors == 0
    sid = sim.strategy_ids[0]
    assert handler.seqs[sid] == list(range(1, sim.last_seq(sid) + 1))
