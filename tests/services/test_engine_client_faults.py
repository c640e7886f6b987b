"""EngineClient under faults: stalls, oversized frames, backpressure, injected engine faults."""

from __future__ import annotations

import asyncio
import time

import orjson

from perfdesk.domain.events import MAX_FRAME_BYTES
from perfdesk.domain.status import FeedState
from perfdesk.services.engine.backoff import Backoff
from perfdesk.services.engine.recorder import RecordingHandler
from perfdesk.services.engine.ws_client import EngineClient
from perfdesk.sim import FaultConfig, Simulator

FAST = {"rate": 2000.0, "speedup": 1440.0 * 200}


class TimedHandler(RecordingHandler):
    """Also notes when each state was entered (monotonic seconds)."""

    def __init__(self) -> None:
        super().__init__()
        self.entered: list[tuple[FeedState, float]] = []

    def on_state(self, state: FeedState) -> None:
        self.entered.append((state, time.monotonic()))
        super().on_state(state)


class GatedHandler(RecordingHandler):
    """A consumer that stops consuming while the gate is closed."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()

    async def on_events(self, events):
        await self.gate.wait()
        await super().on_events(events)


def _client(url, handler, **kw) -> EngineClient:
    return EngineClient(url, handler, backoff=Backoff(base_s=0.01, cap_s=0.05), **kw)


def _generated_seqs(sim: Simulator, sid: str) -> list[int]:
    frames, _ = sim.feed(sid).history.since(0, 10**8)
    return [orjson.loads(f)["seq"] for f in frames]


async def test_stalled_feed_is_reported_stale_within_its_timeout_then_live_again():
    sim = Simulator(strategies=2, heartbeat_s=0.05, **FAST)
    url = await sim.start()
    handler = TimedHandler()
    client = _client(url, handler, stale_after_s=0.5)
    task = asyncio.create_task(client.run())
    try:
        await handler.wait_for(lambda: handler.count() > 100)
        sim.stall(60.0)  # ended below, once the client has said STALE (no race with load)
        await handler.wait_for(lambda: client.state is FeedState.STALE, limit_s=30)
        stale_at = handler.entered[-1][1]
        last_frame = client.stats.last_frame_at
        sim.unstall()
        await handler.wait_for(lambda: client.state is FeedState.LIVE, limit_s=30)
    finally:
        await client.stop()
        await task
        await sim.stop()
    assert last_frame is not None
    waited = stale_at - last_frame
    # never early; late by at most one watchdog period (timeout/4) plus loop-lag slack
    # (generous: CI machines run other suites beside this one)
    assert 0.5 <= waited <= 0.5 + 0.125 + 2.0, waited
    assert client.stats.reconnects == 0  # a stall is not a disconnect


async def test_frame_over_the_protocol_limit_is_dead_lettered_stream_goes_on():
    sim = Simulator(strategies=1, **FAST)
    url = await sim.start()
    handler = RecordingHandler()
    client = _client(url, handler)
    task = asyncio.create_task(client.run())
    try:
        await handler.wait_for(lambda: handler.count() > 50)
        await sim.inject('{"type":"heartbeat","pad":"' + "x" * MAX_FRAME_BYTES + '"}')
        await handler.wait_for(lambda: handler.dead_letters)
        sim.pause()
        await handler.wait_for(lambda: handler.count() == sim.total_sent)
    finally:
        await client.stop()
        await task
        await sim.stop()
    assert "exceeds the 65536-byte limit" in handler.dead_letters[0][1]
    assert client.stats.reconnects == 0 and client.stats.oversized == 0


async def test_message_over_the_socket_cap_is_refused_counted_and_resumed():
    sim = Simulator(strategies=2, **FAST)
    url = await sim.start()
    handler = RecordingHandler()
    client = _client(url, handler, max_message_bytes=200_000)
    task = asyncio.create_task(client.run())
    try:
        await handler.wait_for(lambda: handler.count() > 50)
        await sim.inject("x" * 300_000)
        await handler.wait_for(lambda: client.stats.oversized == 1)
        await handler.wait_for(
            lambda: client.stats.reconnects == 1 and client.state is FeedState.LIVE
        )
        sim.pause()
        await handler.wait_for(lambda: handler.count() == sim.total_sent)
    finally:
        await client.stop()
        await task
        await sim.stop()
    raw, reason = handler.dead_letters[0]
    assert raw == b"" and "larger than 200000 bytes refused" in reason
    for sid in sim.strategy_ids:
        assert handler.seqs[sid] == list(range(1, sim.last_seq(sid) + 1))


async def test_slow_consumer_slows_reading_instead_of_buffering():
    sim = Simulator(strategies=2, rate=20_000.0, speedup=1440.0 * 2000)
    url = await sim.start()
    handler = GatedHandler()
    client = _client(url, handler, batch=1, queue_size=16)
    task = asyncio.create_task(client.run())
    try:
        await handler.wait_for(lambda: client.state is FeedState.LIVE)
        await sim.wait_produced(client.stats.frames + 5_000)
        produced, read = sim.total_sent, client.stats.frames
        assert produced > 5_000
        assert read < 16 + 3 + 10  # queue + hello/strategies + one in hand; nothing more
        handler.gate.set()
        sim.pause()
        await handler.wait_for(lambda: handler.count() == sim.total_sent, limit_s=60)
    finally:
        handler.gate.set()
        await client.stop()
        await task
        await sim.stop()
    for sid in sim.strategy_ids:
        assert handler.seqs[sid] == list(range(1, sim.last_seq(sid) + 1))


async def test_engine_faults_counted_and_every_generated_event_delivered_once():
    faults = FaultConfig(drop_prob=0.002, skip_prob=0.01, repeat_prob=0.01, malformed_prob=0.01)
    sim = Simulator(strategies=3, seed=21, faults=faults, **FAST)
    url = await sim.start()
    handler = RecordingHandler()
    client = _client(url, handler, batch=32)
    task = asyncio.create_task(client.run())
    try:
        await handler.wait_for(lambda: handler.count() > 6_000, limit_s=60)
        sim.pause()
        await handler.wait_for(lambda: handler.count() == sim.total_sent, limit_s=60)
    finally:
        await client.stop()
        await task
        await sim.stop()
    for sid in sim.strategy_ids:
        assert handler.seqs[sid] == _generated_seqs(sim, sid)
    stats = client.stats
    skipped = sum(sim.last_seq(s) - sim.events(s) for s in sim.strategy_ids)
    assert skipped > 0 and stats.missing == skipped
    assert stats.duplicates > 0 and stats.reconnects > 0
    assert 0 < stats.dead_letters <= sim.malformed_sent
    assert all(reason for _, reason in handler.dead_letters)


async def test_a_blocked_consumer_cancelled_with_a_full_queue_ends_at_once():
    """Cancelling the client while its handler blocks and the read queue is full (a
    shutdown that cancels every task) ends it at once; the reader used to wait to put its
    end marker into the full queue that nobody read any more: a hang."""
    sim = Simulator(strategies=2, rate=20_000.0, speedup=1440.0 * 2000)
    url = await sim.start()
    handler = GatedHandler()
    client = _client(url, handler, batch=1, queue_size=16)
    task = asyncio.create_task(client.run())
    try:
        await handler.wait_for(lambda: client.state is FeedState.LIVE)
        await sim.wait_produced(client.stats.frames + 2_000)
        await handler.wait_for(lambda: client.stats.frames >= 16)  # the queue is full
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=5.0)
        assert task in done and task.cancelled()
    finally:
        handler.gate.set()
        if not task.done():
            await client.stop()
        await sim.stop()


async def test_stopped_while_the_handshake_is_under_way_it_ends_at_once():
    """`stop()` during the opening handshake (a shutdown right after start: the demo
    backend's third start in CI) used to find no socket to close, and the connection that
    opened a moment later streamed forever while `stop()` waited: a hang."""
    from websockets.asyncio.server import serve

    opened = asyncio.Event()

    async def slow_handshake(connection, request):  # type: ignore[no-untyped-def]
        opened.set()
        await asyncio.sleep(0.5)

    async def silent(ws):  # type: ignore[no-untyped-def]
        await ws.wait_closed()

    async with serve(silent, "127.0.0.1", 0, process_request=slow_handshake) as server:
        port = server.sockets[0].getsockname()[1]
        client = _client(f"ws://127.0.0.1:{port}", RecordingHandler())
        task = asyncio.create_task(client.run())
        await asyncio.wait_for(opened.wait(), 5.0)
        await asyncio.wait_for(client.stop(), 5.0)  # raised TimeoutError before the fix
        assert task.done()
        assert client.state is FeedState.DISCONNECTED
