"""EngineClient against a real Simulator on 127.0.0.1: stream, resume, dead letters, state."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import pytest
from websockets.exceptions import ConnectionClosed

from perfdesk.domain.status import FeedState
from perfdesk.services.engine.backoff import Backoff
from perfdesk.services.engine.recorder import RecordingHandler
from perfdesk.services.engine.stats import refused_text
from perfdesk.services.engine.ws_client import EngineClient
from perfdesk.sim import Simulator

FAST = {"rate": 2000.0, "speedup": 1440.0 * 200}
PATIENCE_S = 300.0
"""Guards against a hang only (a loaded 2-core machine may be slow, never wrong)."""


def _fast_backoff() -> Backoff:
    return Backoff(base_s=0.01, cap_s=0.05)


async def _run(client: EngineClient) -> asyncio.Task[None]:
    return asyncio.create_task(client.run())


def _exactly_once(handler: RecordingHandler, sim: Simulator) -> None:
    for sid in sim.strategy_ids:
        assert handler.seqs[sid] == list(range(1, sim.last_seq(sid) + 1)), sid


@pytest.mark.parametrize(
    ("batch", "handler_cls"),
    [(1, RecordingHandler), (256, RecordingHandler)],
)
async def test_subscribe_and_stream_every_event_once(batch, handler_cls):
    sim = Simulator(strategies=3, seed=11, **FAST)
    url = await sim.start()
    handler = handler_cls()
    client = EngineClient(url, handler, batch=batch, backoff=_fast_backoff())
    task = await _run(client)
    try:
        await handler.wait_for(lambda: handler.count() > 1500)
        sim.pause()
        await handler.wait_for(lambda: handler.count() == sim.total_sent)
    finally:
        await client.stop()
        await task
        await sim.stop()
    assert set(handler.strategies) == set(sim.strategy_ids)
    _exactly_once(handler, sim)
    assert client.stats.events == sim.total_sent
    assert client.stats.gaps == client.stats.duplicates == client.stats.dead_letters == 0
    assert handler.states[:2] == [FeedState.CONNECTING, FeedState.LIVE]
    assert handler.states[-1] is FeedState.DISCONNECTED
    assert client.engine_id == "perfdesk-sim"


async def test_resume_after_drops_has_no_duplicates_or_gaps():
    sim = Simulator(strategies=3, seed=12, **FAST)
    url = await sim.start()
    handler = RecordingHandler()
    client = EngineClient(url, handler, batch=64, backoff=_fast_backoff())
    task = await _run(client)
    try:
        for _ in range(5):  # no step assumes any amount of progress per unit of time
            seen, reconnects = handler.count(), client.stats.reconnects
            await handler.wait_for(lambda s=seen: handler.count() >= s + 400, PATIENCE_S)
            await handler.wait_for(lambda: client.state is FeedState.LIVE, PATIENCE_S)
            assert sim.drop_connections() >= 1
            await handler.wait_for(lambda r=reconnects: client.stats.reconnects > r, PATIENCE_S)
        sim.pause()
        await handler.wait_for(lambda: handler.count() == sim.total_sent, PATIENCE_S)
    finally:
        await client.stop()
        await task
        await sim.stop()
    _exactly_once(handler, sim)
    assert client.stats.reconnects >= 5
    assert client.stats.gaps == 0 and client.stats.duplicates == 0


async def test_resume_callback_starts_after_stored_seq():
    sim = Simulator(strategies=2, seed=13, **FAST)
    url = await sim.start()
    await sim.wait_produced(400)
    sim.pause()
    stored = {sid: min(50, sim.last_seq(sid) - 1) for sid in sim.strategy_ids}

    async def resume() -> dict[str, int]:
        return stored

    handler = RecordingHandler()
    client = EngineClient(url, handler, resume=resume, backoff=_fast_backoff())
    task = await _run(client)
    try:
        total = sum(sim.last_seq(s) - stored[s] for s in sim.strategy_ids)
        await handler.wait_for(lambda: handler.count() == total)
    finally:
        await client.stop()
        await task
        await sim.stop()
    for sid in sim.strategy_ids:
        assert handler.seqs[sid] == list(range(stored[sid] + 1, sim.last_seq(sid) + 1))


async def test_malformed_frame_is_dead_lettered_and_stream_continues():
    sim = Simulator(strategies=1, seed=14, **FAST)
    url = await sim.start()
    handler = RecordingHandler()
    client = EngineClient(url, handler, backoff=_fast_backoff())
    task = await _run(client)
    try:
        await handler.wait_for(lambda: handler.count() > 100)
        await sim.inject('{"type":"equity","strategy_id":"x","seq":"one"}')
        await sim.inject(b"\xff\xfe not json")
        await handler.wait_for(lambda: len(handler.dead_letters) == 2)
        seen = handler.count()
        await handler.wait_for(lambda: handler.count() > seen + 100)
        sim.pause()
        await handler.wait_for(lambda: handler.count() == sim.total_sent)
    finally:
        await client.stop()
        await task
        await sim.stop()
    (raw1, why1), (raw2, why2) = handler.dead_letters
    assert raw1.startswith('{"type":"equity"') and "equity.seq" in why1
    assert raw2 == b"\xff\xfe not json" and "JSON" in why2
    assert client.stats.dead_letters == 2
    # the status bar says it, not only the log: malformed frames count, the last says why
    assert refused_text(client.stats) == f"2 engine frames refused (last: {why2})"
    _exactly_once(handler, sim)
    assert client.state is FeedState.DISCONNECTED


async def test_bad_item_in_batch_costs_only_itself():
    sim = Simulator(strategies=1, seed=15, **FAST)
    url = await sim.start()
    sim.pause()
    handler = RecordingHandler()
    client = EngineClient(url, handler, strategies=["nobody"], backoff=_fast_backoff())
    task = await _run(client)
    good = (
        '{"type":"status","strategy_id":"b","seq":1,"ts":"2026-01-05T00:00:00Z","status":"active"}'
    )
    bad = '{"type":"status","strategy_id":"b","seq":2,"ts":"noon","status":"active"}'
    try:
        await handler.wait_for(lambda: client.state is FeedState.LIVE)
        await sim.inject(f'{{"type":"batch","frames":[{good},{bad}]}}')
        await handler.wait_for(lambda: handler.dead_letters and handler.count() == 1)
    finally:
        await client.stop()
        await task
        await sim.stop()
    assert handler.seqs["b"] == [1]
    raw, reason = handler.dead_letters[0]
    assert b'"ts":"noon"' in raw and reason.startswith("batch item 1: status.ts")


async def test_wrong_token_keeps_retrying_and_never_goes_live():
    sim = Simulator(strategies=1, token="right", **FAST)
    url = await sim.start()
    handler = RecordingHandler()
    client = EngineClient(url, handler, token="wrong", backoff=_fast_backoff())
    task = await _run(client)
    try:
        await handler.wait_for(lambda: client.stats.reconnects >= 3)
    finally:
        await client.stop()
        await task
        await sim.stop()
    assert FeedState.LIVE not in handler.states and handler.count() == 0


async def test_unreachable_engine_backs_off_then_connects_when_it_appears():
    sim = Simulator(strategies=1, **FAST)
    url = await sim.start()
    await sim.stop()
    handler = RecordingHandler()
    client = EngineClient(url, handler, backoff=_fast_backoff())
    task = await _run(client)
    try:
        await handler.wait_for(lambda: client.stats.reconnects >= 2)
        sim2 = Simulator(strategies=1, port=int(url.rsplit(":", 1)[1]), **FAST)
        await sim2.start()
        await handler.wait_for(lambda: handler.count() > 10)
    finally:
        await client.stop()
        await task
        await sim2.stop()
    assert FeedState.LIVE in handler.states


async def test_token_is_sent_but_never_logged(caplog):
    sim = Simulator(strategies=1, token="tok-very-secret", **FAST)
    url = await sim.start()
    handler = RecordingHandler()
    client = EngineClient(url, handler, token="tok-very-secret", backoff=_fast_backoff())
    with caplog.at_level(logging.DEBUG):
        task = await _run(client)
        try:
            await handler.wait_for(lambda: handler.count() > 10)
        finally:
            await client.stop()
            await task
            await sim.stop()
    assert "tok-very-secret" not in caplog.text


async def test_failing_resume_callback_falls_back_to_what_was_delivered(caplog):
    sim = Simulator(strategies=2, seed=16, **FAST)
    url = await sim.start()
    calls = 0

    async def resume() -> dict[str, int]:
        nonlocal calls
        calls += 1
        raise ConnectionRefusedError("database is down")

    handler = RecordingHandler()
    client = EngineClient(url, handler, resume=resume, backoff=_fast_backoff())
    task = await _run(client)
    try:
        await handler.wait_for(lambda: handler.count() > 200)
        await handler.wait_for(lambda: client.state is FeedState.LIVE)
        sim.drop_connections()
        await handler.wait_for(
            lambda: client.stats.reconnects == 1 and client.state is FeedState.LIVE
        )
        sim.pause()
        await handler.wait_for(lambda: handler.count() == sim.total_sent)
    finally:
        await client.stop()
        await task
        await sim.stop()
    assert calls == 2 and "could not read the stored resume point" in caplog.text
    _exactly_once(handler, sim)
    assert client.stats.duplicates == 0


async def test_unexpected_error_is_logged_and_the_client_keeps_trying(caplog):
    sim = Simulator(strategies=1, **FAST)
    url = await sim.start()

    async def broken_resume() -> dict[str, int]:
        return {"not a valid id!": 3}  # the subscribe frame cannot be built

    handler = RecordingHandler()
    client = EngineClient(url, handler, resume=broken_resume, backoff=_fast_backoff())
    task = await _run(client)
    try:
        await handler.wait_for(lambda: client.stats.reconnects >= 3)
    finally:
        await client.stop()
        await task
        await sim.stop()
    assert "failed unexpectedly; reconnecting" in caplog.text


async def test_invalid_hello_disconnects_with_the_reason_then_retries():
    """An engine whose greeting does not validate is not 'connecting' forever: the
    client dead-letters the hello, closes with 1002 and says why; a valid engine on the
    next attempt makes it live and clears the reason."""
    from websockets.asyncio.server import ServerConnection, serve

    bad = '{"type":"hello","protocol":2,"engine_id":"e1","server_time":"2026-01-05T00:00:00Z"}'
    good = '{"type":"hello","protocol":1,"engine_id":"e1","server_time":"2026-01-05T00:00:00Z"}'
    closes: list[int | None] = []
    hellos = iter([bad, bad, good])

    async def engine(ws: ServerConnection) -> None:
        await ws.send(next(hellos))
        with contextlib.suppress(ConnectionClosed):
            async for _ in ws:  # the subscribe frame, then wait for the client to close
                pass
        closes.append(ws.close_code)

    async with serve(engine, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        handler = RecordingHandler()
        client = EngineClient(f"ws://127.0.0.1:{port}", handler, backoff=_fast_backoff())
        task = await _run(client)
        try:
            await handler.wait_for(lambda: client.stats.protocol_errors == 1)
            await handler.wait_for(lambda: client.state is not FeedState.CONNECTING)
            assert client.state is FeedState.DISCONNECTED
            assert client.last_error is not None
            assert "invalid hello" in client.last_error and "protocol" in client.last_error
            await handler.wait_for(lambda: client.state is FeedState.LIVE)
        finally:
            await client.stop()
            await task
    assert client.stats.protocol_errors == 2 and client.last_error is None
    assert closes[:2] == [1002, 1002]
    assert [raw for raw, _ in handler.dead_letters] == [bad, bad]
    assert all(why.startswith("invalid hello: hello.protocol") for _, why in handler.dead_letters)
    states = handler.states
    assert states[:3] == [FeedState.CONNECTING, FeedState.DISCONNECTED, FeedState.CONNECTING]
    assert FeedState.LIVE in states and client.engine_id == "e1"
