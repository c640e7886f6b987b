"""Names, symbols, ids and reasons with NUL or other control characters are refused at
the frame and dead-lettered with the reason — through the real client over loopback."""

from __future__ import annotations

import asyncio
import json

import pytest

from perfdesk.domain.events import FrameError, parse_frame
from perfdesk.domain.status import FeedState
from perfdesk.services.engine.backoff import Backoff
from perfdesk.services.engine.recorder import RecordingHandler
from perfdesk.services.engine.ws_client import EngineClient
from perfdesk.sim import Simulator

TS = "2026-01-05T00:00:00Z"
FILL = {
    "type": "fill",
    "strategy_id": "s",
    "seq": 1,
    "ts": TS,
    "order_id": "o-1",
    "symbol": "ES",
    "side": "buy",
    "qty": 1.0,
    "price": 1.0,
}
STRATEGY = {"type": "strategy", "strategy_id": "s-nul", "name": "Trend", "status": "active"}
STATUS = {"type": "status", "strategy_id": "s", "seq": 1, "ts": TS, "status": "paused"}
ERROR = {"type": "error", "code": "E1", "message": "m"}

HOSTILE = [
    ({**STRATEGY, "name": "Trend\x00"}, "strategy.name", "'\\x00' at position 5"),
    ({**STRATEGY, "name": "Tr\x1b[31mend"}, "strategy.name", "'\\x1b' at position 2"),
    ({**STRATEGY, "name": "two\nlines"}, "strategy.name", "'\\n' at position 3"),
    ({**FILL, "symbol": "ES\x00"}, "fill.symbol", "'\\x00' at position 2"),
    ({**FILL, "order_id": "\x00"}, "fill.order_id", "'\\x00' at position 0"),
    ({**FILL, "symbol": "E\x9bS"}, "fill.symbol", "'\\x9b' at position 1"),
    ({**STATUS, "reason": "halted\x00"}, "status.reason", "'\\x00' at position 6"),
    ({**ERROR, "message": "bad\x07"}, "error.message", "'\\x07' at position 3"),
    ({**ERROR, "code": "E\t1"}, "error.code", "'\\t' at position 1"),
]


@pytest.mark.parametrize(("frame", "field", "words"), HOSTILE)
def test_control_characters_are_refused_with_field_and_position(frame, field, words) -> None:
    with pytest.raises(FrameError) as err:
        parse_frame(json.dumps(frame))
    assert err.value.reason.startswith(field)
    assert f"control character {words} is not allowed" in err.value.reason


def test_prose_keeps_its_line_breaks_and_every_text_keeps_unicode() -> None:
    status = parse_frame(json.dumps({**STATUS, "reason": "risk limit\n\tdesk 3"}))
    assert getattr(status, "reason", None) == "risk limit\n\tdesk 3"
    info = parse_frame(json.dumps({**STRATEGY, "name": "Carry 東京 — été"}))
    assert getattr(info, "name", None) == "Carry 東京 — été"


async def test_hostile_text_frames_are_dead_lettered_and_the_stream_goes_on() -> None:
    sim = Simulator(strategies=1, rate=200.0, speedup=1440.0 * 20)
    handler = RecordingHandler()
    client = EngineClient(await sim.start(), handler, backoff=Backoff(base_s=0.01, cap_s=0.05))
    sim.pause()
    task = asyncio.create_task(client.run())
    try:
        await handler.wait_for(lambda: client.state is FeedState.LIVE)
        raws = [json.dumps(frame) for frame, _, _ in HOSTILE]
        for raw in raws:
            await sim.inject(raw)
        await handler.wait_for(lambda: len(handler.dead_letters) >= len(raws))
        sim.unpause()
        await handler.wait_for(lambda: handler.count() > 20)
    finally:
        await client.stop()
        await task
        await sim.stop()
    assert [raw for raw, _ in handler.dead_letters] == raws
    for (_, reason), (_, field, words) in zip(handler.dead_letters, HOSTILE, strict=True):
        assert reason.startswith(field) and words in reason
    assert "s-nul" not in handler.strategies
    assert client.stats.handler_errors == 0
