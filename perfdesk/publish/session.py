"""One client connection to a protocol-v1 server: hello, strategy frames, replay, live.

The session pulls from each strategy's history from its own cursor, so replay after
resume and the live stream are the same loop; a slow client simply falls behind (and
gets a `resume_gap` error if it falls out of the bounded history). The server is a
`ProtocolServer` (publish/server.py): the publisher library and the simulator both.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Protocol

import orjson
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from perfdesk.domain.events import MAX_FRAME_BYTES, FrameError, Ping, Subscribe, parse_client_frame
from perfdesk.publish.faults import MALFORMED_FRAMES, FaultConfig
from perfdesk.publish.history import History

log = logging.getLogger(__name__)
CHUNK = 512
"""Frames taken from one strategy's history per turn (fairness between strategies)."""
SUBSCRIBE_TIMEOUT_S = 30.0
BATCH_BYTES = MAX_FRAME_BYTES - 1024
"""A batch frame stays under the client's per-frame limit (ASCII frames: chars = bytes)."""


def _batches(frames: list[str], most: int) -> list[list[str]]:
    """Split frames into groups of at most `most` frames and BATCH_BYTES characters."""
    groups: list[list[str]] = [[]]
    size = 0
    for frame in frames:
        if groups[-1] and (len(groups[-1]) >= most or size + len(frame) > BATCH_BYTES):
            groups.append([])
            size = 0
        groups[-1].append(frame)
        size += len(frame) + 1
    return groups


def rfc3339(ts: datetime) -> str:
    """`2026-01-05T09:30:00.000000Z` (UTC, microseconds, Z)."""
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _now() -> str:
    return rfc3339(datetime.now(UTC))


class Channel(Protocol):
    """One strategy as a server serves it: its announcement and its frame history."""

    @property
    def strategy_id(self) -> str: ...

    @property
    def last_seq(self) -> int: ...

    history: History

    def info_frame(self) -> str: ...


class Draws(Protocol):
    """The random draws fault injection needs (numpy's Generator has them)."""

    def random(self) -> float: ...

    def integers(self, high: int) -> int: ...


class Host(Protocol):
    """What a session needs of its server (publish/server.py `ProtocolServer`)."""

    engine_id: str
    heartbeat_s: float
    faults: FaultConfig
    malformed_sent: int

    @property
    def channels(self) -> Sequence[Channel]: ...

    def channel(self, strategy_id: str) -> Channel: ...

    def stall(self, seconds: float) -> None: ...

    def stalled_for(self) -> float: ...


class Session:
    """Serves one websocket connection for a `Host` (on the server's loop)."""

    def __init__(self, sim: Host, ws: ServerConnection, rng: Draws | None) -> None:
        self.sim, self.ws, self._rng = sim, ws, rng
        self.wakeup = asyncio.Event()
        self._cursors: dict[str, int] = {}
        self._batch = 1
        self._subscribed = asyncio.Event()
        self.frames_sent = 0
        self.aborted = False

    async def serve(self) -> None:
        """Run until the client goes away or the simulator drops the connection."""
        tasks = {
            asyncio.create_task(self._read_client(), name="sim-session-reader"),
            asyncio.create_task(self._send_all(), name="sim-session-writer"),
        }
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for task in done:
            exc = task.exception()
            if isinstance(exc, ConnectionClosed | TimeoutError):
                log.debug("session ended: %r", exc)
            elif exc is not None:
                raise exc

    async def _send_all(self) -> None:
        await self._send(orjson.dumps(self._hello()).decode())
        for channel in self.sim.channels:
            await self._send(channel.info_frame())
        await asyncio.wait_for(self._subscribed.wait(), SUBSCRIBE_TIMEOUT_S)
        await self._stream()

    def abort(self) -> bool:
        """Drop the TCP connection abruptly (a network fault; no close handshake).

        Returns False if this session was already aborted."""
        if self.aborted:
            return False
        self.aborted = True
        self.ws.transport.abort()
        return True

    def _hello(self) -> dict[str, object]:
        return {
            "type": "hello",
            "protocol": 1,
            "engine_id": self.sim.engine_id,
            "server_time": _now(),
        }

    # -- client -> engine -----------------------------------------------------------
    async def _read_client(self) -> None:
        async for raw in self.ws:
            try:
                frame = parse_client_frame(raw)
            except FrameError as exc:
                await self._send_error("bad_request", exc.reason)
                continue
            if isinstance(frame, Ping):
                await self._send(self._heartbeat())
            else:
                await self._subscribe(frame)

    async def _subscribe(self, sub: Subscribe) -> None:
        wanted = set(sub.strategies)
        feeds = [f for f in self.sim.channels if "*" in wanted or f.strategy_id in wanted]
        self._cursors = {f.strategy_id: sub.resume.get(f.strategy_id, 0) for f in feeds}
        self._batch = sub.batch
        for feed in feeds:
            after = self._cursors[feed.strategy_id]
            if after + 1 < feed.history.first_seq and after < feed.last_seq:
                await self._send_error(
                    "resume_gap",
                    f"{feed.strategy_id}: seqs {after + 1}..{feed.history.first_seq - 1} "
                    "are no longer in the engine's history",
                )
        self._subscribed.set()
        self.wakeup.set()

    async def _send_error(self, code: str, message: str) -> None:
        await self._send(orjson.dumps({"type": "error", "code": code, "message": message}).decode())

    # -- engine -> client -----------------------------------------------------------
    def _heartbeat(self) -> str:
        return f'{{"type":"heartbeat","server_time":"{_now()}"}}'

    async def _stream(self) -> None:
        while True:
            sent = 0
            for sid, after in list(self._cursors.items()):
                history = self.sim.channel(sid).history
                if after + 1 < history.first_seq:
                    await self._send_error(
                        "resume_gap",
                        f"{sid}: client fell behind; seqs {after + 1}..{history.first_seq - 1} "
                        "are no longer in the engine's history",
                    )
                frames, cursor = history.since(after, CHUNK)
                self._cursors[sid] = cursor
                if frames:
                    await self._send_data(frames)
                    sent += len(frames)
            if sent:
                await asyncio.sleep(0)
                continue
            self.wakeup.clear()
            try:
                await asyncio.wait_for(self.wakeup.wait(), self.sim.heartbeat_s)
            except TimeoutError:
                await self._send(self._heartbeat())

    async def _send_data(self, frames: list[str]) -> None:
        if self.sim.faults.any_on_send and self._rng is not None:
            frames = await self._with_faults(frames)
        if self._batch <= 1:
            for frame in frames:
                await self._send(frame)
            return
        for group in _batches(frames, self._batch):
            await self._send('{"type":"batch","frames":[' + ",".join(group) + "]}")

    async def _with_faults(self, frames: list[str]) -> list[str]:
        """Apply per-frame faults; may inject frames, stall, or abort the connection."""
        f, rng = self.sim.faults, self._rng
        assert rng is not None
        out: list[str] = []
        for frame in frames:
            if f.drop_prob and rng.random() < f.drop_prob:
                await self._flush_then(out, self.abort)
                raise ConnectionClosed(None, None)
            if f.malformed_prob and rng.random() < f.malformed_prob:
                bad = MALFORMED_FRAMES[int(rng.integers(len(MALFORMED_FRAMES)))]
                await self._flush_then(out, lambda: None)
                await self._send(bad)
                self.sim.malformed_sent += 1
            if f.stall_prob and rng.random() < f.stall_prob:
                await self._flush_then(out, lambda: self.sim.stall(f.stall_s))
            out.append(frame)
            if f.repeat_prob and rng.random() < f.repeat_prob:
                out.append(frame)
        return out

    async def _flush_then(self, out: list[str], action: Callable[[], object]) -> None:
        for frame in out:
            await self._send(frame)
        out.clear()
        action()

    async def _send(self, frame: str | bytes) -> None:
        while (left := self.sim.stalled_for()) > 0:  # noqa: ASYNC110 - unstall() may end it early
            await asyncio.sleep(min(left, 0.05))
        await self.ws.send(frame)
        self.frames_sent += 1
