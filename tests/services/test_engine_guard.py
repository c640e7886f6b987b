"""EventGuard: the limits on valid-but-hostile events, and how they are configured."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta, timezone

import pytest

from perfdesk.commands._common import add_connection_arguments
from perfdesk.domain.events import EquityEvent, parse_frame
from perfdesk.services.engine.guard import EventGuard, GuardConfig
from perfdesk.services.engine.source import SourceConfig


def _event(sid: str, seq: int, ts: datetime) -> EquityEvent:
    return EquityEvent(
        strategy_id=sid, seq=seq, ts=ts, equity=1.0, realized_pnl=0.0, unrealized_pnl=0.0,
        position_value=0.0,
    )  # fmt: skip


def test_the_window_the_jump_and_the_cap() -> None:
    guard = EventGuard(GuardConfig(max_future_s=60, max_seq_jump=100, max_strategies=2))
    now = datetime.now(UTC)
    assert guard.refuse(_event("a", 1, now), 0) is None
    assert guard.refuse(_event("a", 2, now + timedelta(seconds=30)), 1) is None
    far = guard.refuse(_event("a", 3, now + timedelta(hours=1)), 2)
    assert far is not None and "outside the accepted window" in far
    epoch = guard.refuse(_event("a", 3, datetime(1970, 1, 1, tzinfo=UTC)), 2)
    assert epoch is not None
    assert guard.refuse(_event("a", 103, now), 2) is not None  # 101 past the last
    assert guard.refuse(_event("a", 102, now), 2) is None  # exactly 100 past it
    assert guard.refuse(_event("b", 10**9, now), 0) is None  # a first event: any seq
    capped = guard.refuse(_event("c", 1, now), 0)
    assert capped is not None and "beyond the cap of 2" in capped
    assert (guard.stats.out_of_window, guard.stats.seq_jumps, guard.stats.over_cap) == (2, 1, 1)
    assert guard.stats.refused_ids == {"c"}
    assert guard.stats.refused == 4 and guard.stats.last_reason == capped


def test_limits_come_from_the_environment_and_the_command_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for var in ("PERFDESK_MAX_FUTURE_S", "PERFDESK_MAX_SEQ_JUMP", "PERFDESK_MAX_STRATEGIES"):
        monkeypatch.setenv(var, "")  # empty = unset; and undone after the test
    assert SourceConfig("ws://e").guard == GuardConfig()
    parser = argparse.ArgumentParser()
    add_connection_arguments(parser)
    parser.parse_args(["--max-future-s", "5", "--max-strategies", "50"])
    config = SourceConfig("ws://e").guard
    assert (config.max_future_s, config.max_strategies) == (5.0, 50)
    assert config.max_seq_jump == GuardConfig().max_seq_jump
    monkeypatch.setenv("PERFDESK_MAX_SEQ_JUMP", "lots")
    with pytest.raises(ValueError, match="PERFDESK_MAX_SEQ_JUMP='lots' is not a number"):
        GuardConfig.from_environment()


def test_a_bad_limit_on_the_command_line_is_an_error_at_once(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PERFDESK_MAX_STRATEGIES", "")  # undone after the test
    parser = argparse.ArgumentParser()
    add_connection_arguments(parser)
    with pytest.raises(SystemExit):
        parser.parse_args(["--max-strategies", "0"])
    assert "must be greater than 0" in capsys.readouterr().err
    import os

    assert os.environ["PERFDESK_MAX_STRATEGIES"] == ""  # the bad value was not kept


def test_the_window_in_the_events_zone_bounds_the_same_instants() -> None:
    """`window(zone)` gives the bounds in the zone of validated timestamps (pydantic's
    TzInfo(0)): comparisons are field by field there, and decide exactly as in UTC."""
    guard = EventGuard(GuardConfig(earliest=datetime(2020, 1, 1, tzinfo=UTC)))
    frame = parse_frame(
        '{"type":"equity","strategy_id":"a","seq":1,"ts":"2026-01-01T00:00:00Z","equity":1,'
        '"realized_pnl":0,"unrealized_pnl":0,"position_value":1}'
    )
    assert isinstance(frame, EquityEvent)
    zone = frame.ts.tzinfo
    assert zone is not None and zone is not UTC
    latest, earliest = guard.window(zone)
    assert (latest.tzinfo, earliest.tzinfo) == (zone, zone)
    assert (latest, earliest) == guard.window()
    for bound in (latest, earliest):
        for step in (-1, 0, 1):
            ts = bound.astimezone(UTC) + timedelta(microseconds=step)
            inside = earliest < ts <= latest
            assert inside == (guard.window()[1] < ts <= guard.window()[0])
            ts_zone = ts.astimezone(zone)
            assert (earliest < ts_zone <= latest) == inside
    assert guard.window(UTC)[0].tzinfo is UTC
    shifted = timezone(timedelta(hours=2))
    assert guard.window(shifted)[0].tzinfo is UTC  # only zero-offset zones are used
