"""Protocol v1 models: every frame kind, valid and invalid, with clear reasons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import pytest

from perfdesk.domain.events import (
    DATA_EVENT,
    MAX_FRAME_BYTES,
    Batch,
    EngineError,
    EquityEvent,
    FillEvent,
    FrameError,
    Heartbeat,
    Hello,
    Ping,
    StatusEvent,
    StrategyInfo,
    Subscribe,
    parse_client_frame,
    parse_frame,
)
from perfdesk.domain.status import StrategyState

TS = "2026-01-05T10:00:00+01:00"
DATA = {"strategy_id": "s-1", "seq": 7, "ts": TS}
VALID = {
    "hello": {"type": "hello", "protocol": 1, "engine_id": "e", "server_time": TS},
    "strategy": {
        "type": "strategy",
        "strategy_id": "s-1",
        "name": "Trend",
        "status": "active",
        "expectations": {"max_drawdown": 0.1, "sharpe": 1.2, "annual_volatility": 0.15},
    },
    "equity": {
        "type": "equity",
        **DATA,
        "equity": 1e6,
        "realized_pnl": 10.0,
        "unrealized_pnl": -5,
        "position_value": 2e6,
    },
    "fill": {
        "type": "fill",
        **DATA,
        "order_id": "o1",
        "symbol": "ES",
        "side": "buy",
        "qty": 2,
        "price": 100.02,
        "fee": 0.1,
        "expected_price": 100.0,
    },
    "status": {"type": "status", **DATA, "status": "paused", "reason": "risk limit"},
    "heartbeat": {"type": "heartbeat", "server_time": TS},
    "error": {"type": "error", "code": "resume_gap", "message": "too old"},
}
KINDS = {
    "hello": Hello,
    "strategy": StrategyInfo,
    "equity": EquityEvent,
    "fill": FillEvent,
    "status": StatusEvent,
    "heartbeat": Heartbeat,
    "error": EngineError,
}


def _raw(doc: object) -> str:
    return orjson.dumps(doc).decode()


@pytest.mark.parametrize("kind", list(VALID))
def test_every_valid_frame_parses_to_its_model(kind):
    frame = parse_frame(_raw(VALID[kind]))
    assert isinstance(frame, KINDS[kind])
    assert parse_frame(_raw(VALID[kind]).encode()) == frame  # bytes work too


def test_timestamps_become_utc_and_extra_fields_are_ignored():
    doc = {**VALID["equity"], "future_field": [1, 2]}
    frame = parse_frame(_raw(doc))
    assert frame.ts == datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    assert frame.ts.utcoffset() == timedelta(0) and frame.ts.tzinfo == UTC
    assert (frame.ts.hour, frame.ts.tzname()) == (9, "UTC")


@pytest.mark.parametrize(
    "ts",
    [
        "2026-01-05T09:00:00Z",
        "2026-01-05T09:00:00+00:00",
        "2026-01-05T10:30:00+01:30",
        "2026-01-05T04:00:00-05:00",
    ],
)
def test_every_offset_comes_out_as_the_same_utc_time(ts):
    frame = parse_frame(_raw({**VALID["equity"], "ts": ts}))
    assert frame.ts == datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    assert (frame.ts.hour, frame.ts.minute, frame.ts.utcoffset()) == (9, 0, timedelta(0))
    wire = DATA_EVENT.dump_json(frame)
    assert DATA_EVENT.dump_json(parse_frame(wire)) == wire


@pytest.mark.parametrize(
    ("ts", "words"),
    [
        ("yesterday", "valid datetime"),
        ("2026-01-05T09:00:00", "timezone info"),
        (1767603600, "valid datetime"),
    ],
)
def test_a_bad_timestamp_is_reported_once_at_its_field(ts, words):
    with pytest.raises(FrameError) as info:
        parse_frame(_raw({**VALID["equity"], "ts": ts}))
    assert info.value.reason.startswith("equity.ts: Input should "), info.value.reason
    assert words in info.value.reason and info.value.reason.count("equity.ts") == 1


def test_fill_slippage_in_bps_is_adverse_positive():
    buy = parse_frame(_raw(VALID["fill"]))
    sell = parse_frame(_raw({**VALID["fill"], "side": "sell"}))
    assert buy.slippage_bps == pytest.approx(2.0)
    assert sell.slippage_bps == pytest.approx(-2.0)
    assert parse_frame(_raw({**VALID["fill"], "expected_price": None})).slippage_bps is None


def test_strategy_states_and_optional_expectations():
    doc = {k: v for k, v in VALID["strategy"].items() if k != "expectations"}
    for state in StrategyState:
        info = parse_frame(_raw({**doc, "status": state.value}))
        assert info.status is state and info.expectations is None


INVALID = [
    ("hello", {"protocol": 2}, "hello.protocol"),
    ("hello", {"protocol": True}, "hello.protocol"),
    ("hello", {"server_time": "2026-01-05T10:00:00"}, "hello.server_time"),  # naive
    ("strategy", {"status": "sleeping"}, "strategy.status"),
    ("strategy", {"strategy_id": "has space"}, "strategy.strategy_id"),
    ("strategy", {"expectations": {"max_drawdown": 2}}, "strategy.expectations.max_drawdown"),
    ("strategy", {"expectations": {"bogus": 1}}, "strategy.expectations.bogus"),
    ("equity", {"seq": 0}, "equity.seq"),
    ("equity", {"seq": -3}, "equity.seq"),
    ("equity", {"seq": 1.5}, "equity.seq"),
    ("equity", {"seq": "seven"}, "equity.seq"),
    ("equity", {"seq": "7"}, "equity.seq"),  # numeric strings are not numbers
    ("equity", {"seq": True}, "equity.seq"),  # nor are booleans
    ("equity", {"seq": 7.0}, "equity.seq"),
    ("equity", {"equity": "1e6"}, "equity.equity"),
    ("fill", {"qty": True}, "fill.qty"),
    ("equity", {"equity": 1e300}, "equity.equity"),
    ("equity", {"ts": "yesterday"}, "equity.ts"),
    ("equity", {"realized_pnl": None}, "equity.realized_pnl"),
    ("equity", {"strategy_id": ""}, "equity.strategy_id"),
    ("equity", {"strategy_id": "x" * 65}, "equity.strategy_id"),
    ("fill", {"side": "short"}, "fill.side"),
    ("fill", {"qty": 0}, "fill.qty"),
    ("fill", {"price": -1}, "fill.price"),
    ("fill", {"order_id": ""}, "fill.order_id"),
    ("fill", {"expected_price": 0}, "fill.expected_price"),
    ("status", {"status": "exploded"}, "status.status"),
    ("status", {"reason": "x" * 1001}, "status.reason"),
    ("heartbeat", {"server_time": 12}, "heartbeat.server_time"),  # no epoch numbers
    ("error", {"code": "c" * 65}, "error.code"),
]


@pytest.mark.parametrize(("kind", "change", "where"), INVALID)
def test_invalid_field_names_the_field(kind, change, where):
    with pytest.raises(FrameError) as info:
        parse_frame(_raw({**VALID[kind], **change}))
    assert info.value.reason.startswith(where), info.value.reason
    assert "(got " in info.value.reason


@pytest.mark.parametrize("kind", ["equity", "fill", "status"])
@pytest.mark.parametrize("field", ["strategy_id", "seq", "ts"])
def test_missing_key_of_a_data_frame(kind, field):
    doc = {k: v for k, v in VALID[kind].items() if k != field}
    with pytest.raises(FrameError, match=f"{kind}.{field}: Field required"):
        parse_frame(_raw(doc))


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ('{"type":"equity","strategy_id":"s","seq":1,', "Invalid JSON"),
        ("", "Invalid JSON"),
        ("[1,2]", "frame"),
        ('"hello"', "frame"),
        ('{"no_type":1}', "Unable to extract tag using discriminator 'type'"),
        ('{"type":"teleport"}', "does not match any of the expected tags"),
        (b"\xff\xfe\x00", "Invalid JSON"),
        ("[" * 5000 + "]" * 5000, "recursion limit"),
        ('{"type":"equity","seq":NaN}', "equity.seq: Input should be a valid integer"),
    ],
)
def test_not_a_frame_at_all(raw, words):
    with pytest.raises(FrameError, match=words):
        parse_frame(raw)


def test_nan_and_inf_are_refused():
    for bad in ("NaN", "Infinity", "-Infinity"):
        raw = _raw(VALID["equity"]).replace('"equity":1000000.0', f'"equity":{bad}')
        with pytest.raises(FrameError, match="equity"):
            parse_frame(raw)


def test_oversized_frame_is_refused_before_parsing():
    raw = _raw({**VALID["status"], "pad": "x" * MAX_FRAME_BYTES})
    with pytest.raises(FrameError, match=f"exceeds the {MAX_FRAME_BYTES}-byte limit"):
        parse_frame(raw)


def test_reason_is_bounded_with_many_errors():
    with pytest.raises(FrameError) as info:
        parse_frame('{"type":"fill"}')
    assert info.value.reason.count(";") == 3 and "more" in info.value.reason


def test_batch_of_data_frames():
    items = [VALID["equity"], VALID["fill"], VALID["status"]]
    frame = parse_frame(_raw({"type": "batch", "frames": items}))
    assert isinstance(frame, Batch)
    assert [f.type for f in frame.frames] == ["equity", "fill", "status"]


@pytest.mark.parametrize(
    ("frames", "where"),
    [
        ([], "batch.frames"),
        ([VALID["hello"]], "batch.frames.0"),
        ([VALID["equity"], {**VALID["fill"], "qty": -1}], "batch.frames.1.fill.qty"),
        ("nope", "batch.frames"),
    ],
)
def test_invalid_batch(frames, where):
    with pytest.raises(FrameError) as info:
        parse_frame(_raw({"type": "batch", "frames": frames}))
    assert info.value.reason.startswith(where), info.value.reason


def test_client_frames():
    sub = parse_client_frame('{"type":"subscribe","strategies":["a"],"resume":{"a":3}}')
    assert isinstance(sub, Subscribe) and sub.resume == {"a": 3} and sub.batch == 1
    assert isinstance(parse_client_frame('{"type":"ping"}'), Ping)
    default = parse_client_frame('{"type":"subscribe"}')
    assert default.strategies == ["*"] and default.resume == {}
    assert Subscribe.model_validate_json(Subscribe(batch=9).model_dump_json()).batch == 9


@pytest.mark.parametrize(
    ("raw", "where"),
    [
        ('{"type":"subscribe","resume":{"a":-1}}', "subscribe.resume.a"),
        ('{"type":"subscribe","resume":{"a":"x"}}', "subscribe.resume.a"),
        ('{"type":"subscribe","strategies":"a"}', "subscribe.strategies"),
        ('{"type":"subscribe","batch":0}', "subscribe.batch"),
        ('{"type":"subscribe","batch":100000}', "subscribe.batch"),
        ('{"type":"dance"}', "frame"),
    ],
)
def test_invalid_client_frames(raw, where):
    with pytest.raises(FrameError) as info:
        parse_client_frame(raw)
    assert info.value.reason.startswith(where), info.value.reason
