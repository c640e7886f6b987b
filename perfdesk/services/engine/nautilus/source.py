"""NautilusSource: a NautilusTrader node's message bus, read from its Redis stream.

The node must write all topics to one stream (`MessageBusConfig(database=…,
encoding="json", stream_per_topic=False)`: XREAD has no wildcards). The source reads
it with XREAD from the last entry id, turns fills into fills and position events (or the
PerfdeskEquity actor's samples) into equity, and numbers each strategy's events itself.

Exactly once: the stream is a durable ordered log, so the same entries always give the
same events and seqs. The source keeps checkpoints (entry id, seqs and P&L state) and
saves the newest one the database has already stored past; after a restart it replays
from there and the events at or below the stored seqs are dropped as duplicates.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson
import redis.asyncio as aioredis
from pydantic import ValidationError

from perfdesk.domain.events import DataEvent, EquityEvent, FillEvent, StrategyInfo
from perfdesk.domain.status import StrategyState
from perfdesk.services.engine.adapter import AdapterSource, reason_of
from perfdesk.services.engine.cursor import CursorStore, SavedCursor
from perfdesk.services.engine.nautilus.mapping import BusState, MappingError, decode_entry
from perfdesk.services.engine.source import EventSink, Resume, SourceConfig

log = logging.getLogger(__name__)
READ_COUNT = 1000
CHECKPOINT_ROW = "*"
"""The cursor row of the whole stream (one stream carries every strategy)."""
DEFAULT_CAPITAL = 1_000_000.0


@dataclass(frozen=True)
class NautilusTarget:
    redis_url: str
    stream: str | None
    capital: float
    key: str


def parse_url(url: str) -> NautilusTarget:
    """`nautilus+redis://host:port/db?stream=NAME&capital=N` (the password is the token)."""
    p = urlsplit(url)
    scheme = p.scheme.lower().split("+", 1)[1]
    q = parse_qs(p.query)
    db = p.path.strip("/") or "0"
    if not db.isdigit():
        raise ValueError(f"{url!r}: the path must be the Redis database number, got {db!r}")
    host = f"{p.hostname}:{p.port or 6379}"
    capital = float(q.get("capital", [DEFAULT_CAPITAL])[0])
    stream = q.get("stream", [None])[0]
    key = f"nautilus+{scheme}://{host}/{db}" + (f"?stream={stream}" if stream else "")
    return NautilusTarget(f"{scheme}://{host}/{db}", stream, capital, key)


def build(
    config: SourceConfig, sink: EventSink, resume: Resume, cursors: CursorStore
) -> NautilusSource:
    target = parse_url(config.url)
    client = aioredis.from_url(target.redis_url, password=config.token)
    return NautilusSource(client, target, sink, resume, cursors)


class NautilusSource(AdapterSource):
    def __init__(
        self,
        client: aioredis.Redis,
        target: NautilusTarget,
        sink: EventSink,
        resume: Resume,
        cursors: CursorStore,
        *,
        block_ms: int = 500,
        checkpoint_every_s: float = 1.0,
    ) -> None:
        super().__init__(target.key, sink, resume, cursors)
        self.redis, self.target = client, target
        self.block_ms, self.checkpoint_every_s = block_ms, checkpoint_every_s
        self.stream: str | None = target.stream
        self.entry_id: str | None = None
        self.bus = BusState(target.capital)
        self._seqs: dict[str, int] = {}
        self._checkpoints: list[SavedCursor] = []
        self._saved_at = 0.0
        self._announced: set[str] = set()

    async def stop(self) -> None:
        await super().stop()
        await self.redis.aclose()

    async def _session(self) -> None:
        await self.redis.ping()
        if self.entry_id is None:
            await self._restore()
        if self.stream is None:
            self.stream = await self._find_stream()
        self.connected()
        while True:
            reply: Any = await self.redis.xread(
                {self.stream: self.entry_id or "0-0"}, count=READ_COUNT, block=self.block_ms
            )
            for _stream, entries in reply or ():
                await self._take(entries)
            await self._maybe_checkpoint()

    async def _restore(self) -> None:
        stored = await self.stored_seqs()
        for sid, seq in stored.items():
            self._last[sid] = max(self._last.get(sid, 0), seq)
        saved = (await self.cursors.load(self.key)).get(CHECKPOINT_ROW)
        if saved is not None:
            c = saved.cursor
            self.entry_id = str(c["entry_id"])
            self._seqs = {k: int(v) for k, v in c["seqs"].items()}
            self.bus = BusState.restore(self.target.capital, c["state"])
        else:
            self.entry_id = "0-0"

    async def _find_stream(self) -> str:
        """The one stream in the database, when the URL names none."""
        found = [k async for k in self.redis.scan_iter(_type="STREAM")]
        names = sorted(k.decode() if isinstance(k, bytes) else str(k) for k in found)
        if len(names) != 1:
            raise LookupError(
                f"name the node's stream with ?stream=…; found {names or 'no streams'}"
            )
        return names[0]

    async def _take(self, entries: list[tuple[Any, dict[Any, Any]]]) -> None:
        events: list[DataEvent] = []
        for raw_id, fields in entries:
            entry_id = raw_id.decode() if isinstance(raw_id, bytes) else str(raw_id)
            self.frame_seen()
            try:
                topic, payload = decode_entry(fields)
                produced = self.bus.apply(topic, payload)
                for kind, sid, f in produced:
                    events.append(await self._event(kind, sid, f))
            except (MappingError, ValidationError) as exc:
                raw = orjson.dumps({_s(k): _s(v) for k, v in fields.items()})
                await self.dead_letter(raw, f"nautilus entry {entry_id}: {reason_of(exc)}")
            self.entry_id = entry_id
        await self.deliver(events)
        self._checkpoints.append(self._checkpoint())

    async def _event(self, kind: str, sid: str, fields: dict[str, Any]) -> DataEvent:
        if sid not in self._seqs:
            self._seqs[sid] = 0
        if sid not in self._announced:
            self._announced.add(sid)
            await self.announce(
                StrategyInfo(strategy_id=sid, name=sid, status=StrategyState.ACTIVE)
            )
        seq = self._seqs[sid] + 1
        cls = FillEvent if kind == "fill" else EquityEvent
        event = cls(strategy_id=sid, seq=seq, **fields)  # validation error: not numbered
        self._seqs[sid] = seq
        return event

    def _checkpoint(self) -> SavedCursor:
        doc = {"entry_id": self.entry_id, "seqs": dict(self._seqs), "state": self.bus.snapshot()}
        return SavedCursor(orjson.loads(orjson.dumps(doc)), max(self._seqs.values(), default=0))

    async def _maybe_checkpoint(self) -> None:
        """Save the newest checkpoint whose events the database has all stored."""
        loop = asyncio.get_running_loop()
        if not self._checkpoints or loop.time() - self._saved_at < self.checkpoint_every_s:
            return
        self._saved_at = loop.time()
        stored = await self.stored_seqs()
        best = None
        for i, cp in enumerate(self._checkpoints):
            seqs = cp.cursor["seqs"]
            if all(seq <= stored.get(sid, 0) for sid, seq in seqs.items()):
                best = i
        if best is None:
            return
        await self.cursors.save(self.key, CHECKPOINT_ROW, self._checkpoints[best])
        del self._checkpoints[: best + 1]


def _s(v: Any) -> str:
    return v.decode(errors="replace") if isinstance(v, bytes) else str(v)
