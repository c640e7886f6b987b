"""The all-equity batch fast path (msgspec) against the schema of record (pydantic).

Whenever `equity_batch` accepts a frame, `parse_frame` must accept it too and give the
same events (values and types); whatever `parse_frame` refuses, `equity_batch` must
refuse. Checked on the simulator's own frames and on generated hostile ones.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfdesk.domain.events import Batch, EquityEvent, FrameError, parse_frame
from perfdesk.domain.fast_batch import equity_batch
from perfdesk.sim.archetypes import backtest_expectations, default_strategies
from perfdesk.sim.feed import StrategyFeed


def _equity(i: int = 0, **over: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "type": "equity",
        "strategy_id": "s-1",
        "seq": i + 1,
        "ts": f"2026-01-05T00:00:{i % 60:02d}.250000Z",
        "equity": 1_000_000.5 + i,
        "realized_pnl": 12.25,
        "unrealized_pnl": -3.0,
        "position_value": 50_000,
    }
    item.update(over)
    return item


def _frame(items: list[Any]) -> bytes:
    return json.dumps({"type": "batch", "frames": items}).encode()


def _record_of(raw: bytes | str) -> list[Any] | None:
    try:
        frame = parse_frame(raw)
    except FrameError:
        return None
    return frame.frames if isinstance(frame, Batch) else None


def _same(raw: bytes | str) -> list[EquityEvent] | None:
    """Both paths on `raw`; asserts the fast one never disagrees. Its result."""
    fast = equity_batch(raw)
    record = _record_of(raw)
    if fast is not None:
        assert record is not None, "fast path accepted what the schema refuses"
        assert len(fast) == len(record)
        for a, b in zip(fast, record, strict=True):
            assert type(a) is type(b) is EquityEvent
            for name in EquityEvent.__dataclass_fields__:
                x, y = getattr(a, name), getattr(b, name)
                assert (x == y and type(x) is type(y)) or (
                    isinstance(x, datetime) and isinstance(y, datetime)
                ), (name, x, y)
            assert a.ts == b.ts and a.ts.utcoffset() == timedelta(0)
    return fast


def test_the_simulators_batches_take_the_fast_path_with_the_same_events() -> None:
    rng = np.random.default_rng(1)
    frames: list[str] = []
    for spec in default_strategies(4):
        feed = StrategyFeed(
            spec, backtest_expectations(spec, rng), dt_s=0.72, rng=rng, history=100_000
        )
        feed.advance(20_000)
        sent = [f for f in feed.history.since(0, 100_000)[0] if '"type":"status"' not in f]
        frames += [sent[k : k + 256] for k in range(0, len(sent), 256)]  # type: ignore[misc]
    batches = ['{"type":"batch","frames":[' + ",".join(group) + "]}" for group in frames]
    fast = [_same(raw) for raw in batches]
    all_equity = ['"type":"fill"' not in raw for raw in batches]
    assert [f is not None for f in fast] == all_equity
    assert 0 < sum(all_equity) < len(batches)  # both paths are exercised


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"type": "fill"}, "another kind of frame: the general path"),
        ({"ts": "2026-01-05T02:00:00+02:00"}, "an offset pydantic converts to UTC"),
        ({"extra": {"type": "equity"}}, "a nested object in an ignored field"),
        ({"extra": [1, 2]}, "a nested array in an ignored field"),
        ({"note": "a { in a string"}, "a bracket in a string"),
        ({"strategy_id": "has space"}, "a refused id"),
        ({"strategy_id": "ends-in-newline\n"}, "an id `$` alone would let through"),
        ({"strategy_id": "x" * 65}, "an id too long"),
        ({"seq": 2.0}, "a float seq"),
        ({"seq": True}, "a boolean seq"),
        ({"equity": 1e16}, "beyond the money limit"),
        ({"equity": "1.0"}, "a numeric string"),
        ({"ts": 1_700_000_000}, "an epoch number"),
        ({"ts": "2026-01-05T00:00:00"}, "a naive timestamp"),
    ],
)
def test_what_the_fast_path_leaves_to_parse_frame(change: dict[str, Any], why: str) -> None:
    raw = _frame([_equity(0), _equity(1, **change)])
    assert _same(raw) is None, why


@pytest.mark.parametrize("depth", [10, 100_000])
def test_deep_nesting_is_left_to_parse_frame_without_raising(depth: int) -> None:
    raw = b'{"type":"batch","frames":[' + b"[" * depth + b"]" * depth + b"]}"
    assert equity_batch(raw) is None
    assert equity_batch(raw[:60_000]) is None


def test_an_item_without_a_type_is_not_taken_for_equity() -> None:
    untyped = _equity(1)
    del untyped["type"]
    raw = _frame([_equity(0), untyped])
    assert equity_batch(raw) is None
    assert _record_of(raw) is None  # the schema refuses it; the client splits the batch


def test_a_plain_batch_is_accepted_as_text_and_as_bytes() -> None:
    raw = _frame([_equity(i) for i in range(3)])
    assert _same(raw) is not None
    assert _same(raw.decode()) is not None
    for zero in ("+00:00", "-00:00"):  # offset zero written out: the same instant, at UTC
        assert _same(_frame([_equity(0, ts=f"2026-01-05T00:00:00{zero}")])) is not None
    assert equity_batch(b'{"type":"batch","frames":[]}') is None  # the schema wants 1+
    single = json.dumps(_equity(0))  # a plain v1 frame: parse_frame's, untouched here
    assert equity_batch(single) is None and equity_batch(single.encode()) is None


_valid_money = st.floats(min_value=-1e15, max_value=1e15, allow_nan=False)
_valid_id = st.from_regex(r"[A-Za-z0-9_.:\-]{1,64}", fullmatch=True)
_valid_seq = st.integers(min_value=1, max_value=2**62)
_HOSTILE: dict[str, st.SearchStrategy[Any]] = {
    "strategy_id": st.one_of(
        st.from_regex(r"[A-Za-z0-9_.:\-]{60,70}", fullmatch=True), st.text(max_size=8)
    ),
    "seq": st.one_of(
        st.integers(min_value=-2, max_value=2**63), st.booleans(), st.floats(), st.none()
    ),
    "money": st.one_of(
        st.floats(),
        st.integers(min_value=-(10**17), max_value=10**17),
        st.sampled_from([1e15, -1e15, 1e-300, -1e-300, 5e-324, 0.0, -0.0, 1e15 + 1, True]),
    ),
}
_times = st.one_of(
    st.datetimes(
        min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
    ).map(lambda d: d.isoformat().replace("+00:00", "Z")),
    st.datetimes(
        min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
    ).map(datetime.isoformat),
    st.from_regex(r"2026-01-05T00:00:0[0-9]\.[0-9]{1,9}(Z|\+00:00|-00:00|\+0000)", fullmatch=True),
    st.sampled_from(
        [
            "9999-12-31T23:59:59.999999Z",
            "0001-01-01T00:00:00Z",
            "2026-01-05T00:00:00.1234567Z",
            "2026-01-05T23:59:60Z",
            "2026-01-05T24:00:00Z",
            "2026-01-05 00:00:00Z",
            "2026-01-05t00:00:00z",
            "2026-01-05T00:00Z",
            "20260105T000000Z",
            "2026-13-05T00:00:00Z",
            "2026-02-30T00:00:00Z",
            "2026-01-05T00:00:00.Z",
            "2026-01-05T00:00:00+00:00",
        ]
    ),
)


@st.composite
def _hostile_items(draw: st.DrawFn) -> dict[str, Any]:
    """A valid item (with the timestamp forms above) or one with one field at an edge."""
    item = _equity(0)
    item["strategy_id"] = draw(_valid_id)
    item["seq"] = draw(_valid_seq)
    item["ts"] = draw(_times)
    for name in _MONEY:
        item[name] = draw(_valid_money)
    spoil = draw(st.sampled_from([None, None, None, "strategy_id", "seq", *_MONEY]))
    if spoil is not None:
        item[spoil] = draw(_HOSTILE["money" if spoil in _MONEY else spoil])
    if draw(st.booleans()):
        item[draw(st.sampled_from(["extra", "type2", "Type"]))] = draw(
            st.one_of(st.integers(), st.text(max_size=5), st.none(), st.floats())
        )
    return item


_MONEY = ("equity", "realized_pnl", "unrealized_pnl", "position_value")
_any_money = st.one_of(_valid_money, _HOSTILE["money"])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_hostile_items(), min_size=1, max_size=3))
def test_hostile_but_well_formed_frames_never_make_the_paths_disagree(
    items: list[dict[str, Any]],
) -> None:
    raw = json.dumps({"type": "batch", "frames": items}, allow_nan=True).encode()
    _same(raw)


def test_the_hostile_generator_reaches_both_paths() -> None:
    """The property above means something only if many generated frames are accepted."""
    outcomes: list[bool] = []

    @settings(max_examples=300, deadline=None, database=None)
    @given(st.lists(_hostile_items(), min_size=1, max_size=3))
    def run(items: list[dict[str, Any]]) -> None:
        raw = json.dumps({"type": "batch", "frames": items}, allow_nan=True).encode()
        outcomes.append(_same(raw) is not None)

    run()
    assert 0.05 < sum(outcomes) / len(outcomes) < 0.95


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 59), _any_money), min_size=1, max_size=4))
def test_numbers_are_read_to_the_same_bit(values: list[tuple[int, float]]) -> None:
    items = [
        _equity(i, equity=v, ts=f"2026-01-05T00:00:{s:02d}Z") for i, (s, v) in enumerate(values)
    ]
    fast = _same(_frame(items))
    if fast is not None:
        for event, (_s, v) in zip(fast, values, strict=True):
            assert math.copysign(1, event.equity) == math.copysign(1, float(v))
