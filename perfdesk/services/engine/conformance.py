"""Conformance: does an engine speak protocol v1 the way perfdesk relies on?

`check(url)` connects like perfdesk does and runs named checks (hello, strategy frames,
data frames' schema and seqs, resume after a given seq, batch frames, errors, ping),
each giving ok / FAIL with what was wrong (or `skip` for an optional feature the
engine does not offer). Used by `perfdesk conformance ws://…`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus, WebSocketException

from perfdesk.domain.events import (
    DATA_TYPES,
    Batch,
    DataEvent,
    EngineError,
    FrameError,
    Heartbeat,
    Hello,
    StrategyInfo,
    parse_frame,
)

MAX_FRAMES = 200
"""Data frames read per stream check."""
QUIET_S = 2.0
"""A stream check ends when no frame but heartbeats came for this long."""


@dataclass(frozen=True)
class Result:
    name: str
    outcome: str  # "ok", "FAIL" or "skip"
    detail: str

    def line(self) -> str:
        return f"{self.outcome:<4} {self.name}: {self.detail}"


@dataclass
class Report:
    results: list[Result] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.results) and all(r.outcome != "FAIL" for r in self.results)

    def add(self, name: str, ok: bool | None, detail: str) -> None:
        outcome = "skip" if ok is None else ("ok" if ok else "FAIL")
        self.results.append(Result(name, outcome, detail))


log = logging.getLogger(__name__)


class _Stop(Exception):
    """A check that later checks depend on failed."""


@dataclass
class _Probe:
    url: str
    token: str | None
    timeout_s: float

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[ClientConnection]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        async with connect(
            self.url,
            additional_headers=headers,
            open_timeout=self.timeout_s,
            compression=None,
            max_size=1 << 20,
            close_timeout=1.0,
        ) as ws:
            yield ws

    async def recv(self, ws: ClientConnection) -> str | bytes:
        return await asyncio.wait_for(ws.recv(), self.timeout_s)

    async def greeting(self, ws: ClientConnection, report: Report | None) -> list[StrategyInfo]:
        """hello, then strategy frames up to the first frame of another kind (or quiet)."""
        raw = await self.recv(ws)
        try:
            hello = parse_frame(raw)
        except FrameError as exc:
            if report:
                report.add("hello", False, f"first frame is not a valid hello: {exc.reason}")
            raise _Stop from None
        if not isinstance(hello, Hello):
            if report:
                report.add("hello", False, f"first frame is {hello.type!r}, not 'hello'")
            raise _Stop
        if report:
            report.add("hello", True, f"engine {hello.engine_id!r}, protocol {hello.protocol}")
        infos: list[StrategyInfo] = []
        while True:
            try:
                raw = await asyncio.wait_for(ws.recv(), min(1.0, self.timeout_s))
            except TimeoutError:
                return infos
            frame = parse_frame(raw)  # FrameError propagates to the caller's check
            if not isinstance(frame, StrategyInfo):
                return infos
            infos.append(frame)

    async def data(
        self, ws: ClientConnection, most: int, errors: list[str]
    ) -> tuple[list[DataEvent], list[int], list[EngineError]]:
        """Up to `most` data events (and the sizes of batch frames), until no data frame
        came for QUIET_S (heartbeats do not count) or `timeout_s` passed."""
        events: list[DataEvent] = []
        batches: list[int] = []
        engine_errors: list[EngineError] = []
        loop = asyncio.get_running_loop()
        end = loop.time() + self.timeout_s
        quiet_until = loop.time() + min(QUIET_S, self.timeout_s)
        while len(events) < most and loop.time() < min(end, quiet_until):
            try:
                raw = await asyncio.wait_for(ws.recv(), min(end, quiet_until) - loop.time())
            except TimeoutError:
                break
            try:
                frame = parse_frame(raw)
            except FrameError as exc:
                errors.append(f"{exc.reason} in {_clip(raw)}")
                continue
            if isinstance(frame, Batch):
                batches.append(len(frame.frames))
                events.extend(frame.frames)
            elif frame.type in DATA_TYPES:
                events.append(frame)  # type: ignore[arg-type]
            else:
                if isinstance(frame, EngineError):
                    engine_errors.append(frame)
                continue
            quiet_until = loop.time() + min(QUIET_S, self.timeout_s)
        return events, batches, engine_errors


def _clip(raw: str | bytes, n: int = 80) -> str:
    text = raw if isinstance(raw, str) else repr(raw)
    return text if len(text) <= n else text[: n - 3] + "..."


def _subscribe(resume: dict[str, int] | None = None, batch: int = 1) -> str:
    doc: dict[str, Any] = {"type": "subscribe", "strategies": ["*"], "resume": resume or {}}
    if batch > 1:
        doc["batch"] = batch
    return orjson.dumps(doc).decode()


def _seq_problems(events: list[DataEvent], after: dict[str, int]) -> list[str]:
    """Per strategy, seqs must continue from `after` (0: from the engine's first) by one."""
    problems: list[str] = []
    last = dict(after)
    for e in events:
        prev = last.get(e.strategy_id)
        if prev is not None and e.seq != prev + 1:
            problems.append(f"{e.strategy_id}: seq {e.seq} after {prev}")
        last[e.strategy_id] = e.seq
    return problems


async def check(url: str, *, token: str | None = None, timeout_s: float = 10.0) -> Report:
    """Run every check against the engine at `url`; never raises for the engine's faults."""
    report = Report()
    probe = _Probe(url, token, timeout_s)
    try:
        events = await _check_stream(probe, report)
        await _check_resume(probe, report, events)
        await _check_batch(probe, report)
        await _check_errors(probe, report)
    except _Stop:  # handled: the failed check is in the report; the checks after it need it
        log.info("conformance: later checks skipped after a failed one (%s)", url)
    except InvalidStatus as exc:
        report.add("connect", False, f"refused: HTTP {exc.response.status_code}")
    except (OSError, TimeoutError, WebSocketException) as exc:
        report.add("connect", False, f"link failed: {exc or type(exc).__name__}")
    return report


async def _check_stream(probe: _Probe, report: Report) -> list[DataEvent]:
    async with probe.session() as ws:
        try:
            infos = await probe.greeting(ws, report)
        except FrameError as exc:
            report.add("strategy frames", False, exc.reason)
            raise _Stop from None
        ids = [i.strategy_id for i in infos]
        if not infos or len(set(ids)) != len(ids):
            detail = "no strategy frame after hello" if not infos else f"duplicate ids in {ids}"
            report.add("strategy frames", False, detail)
            raise _Stop
        report.add("strategy frames", True, f"{len(infos)}: {', '.join(ids[:5])}")
        await ws.send(_subscribe())
        errors: list[str] = []
        events, batches, _ = await probe.data(ws, MAX_FRAMES, errors)
    unknown = sorted({e.strategy_id for e in events} - set(ids))
    report.add(
        "data frames",
        not errors and bool(events) and not unknown,
        f"{len(events)} valid"
        + (f"; invalid: {errors[:3]}" if errors else "")
        + (f"; never announced: {unknown}" if unknown else "")
        + ("; none arrived after subscribe" if not events else ""),
    )
    problems = _seq_problems(events, {})
    report.add(
        "seqs",
        not problems and bool(events),
        "one counter per strategy, +1 each" if not problems else "; ".join(problems[:3]),
    )
    report.add(
        "no unasked batches",
        not batches,
        "single frames to a subscribe without batch"
        if not batches
        else f"{len(batches)} batch frames sent without batch asked",
    )
    return events


async def _check_resume(probe: _Probe, report: Report, events: list[DataEvent]) -> None:
    by_sid: dict[str, list[int]] = {}
    for e in events:
        by_sid.setdefault(e.strategy_id, []).append(e.seq)
    sid = max(by_sid, key=lambda s: len(by_sid[s]), default=None)
    if sid is None or len(by_sid[sid]) < 2:
        report.add("resume", None, "too few data frames to test a resume")
        return
    after = by_sid[sid][len(by_sid[sid]) // 2 - 1]
    async with probe.session() as ws:
        await probe.greeting(ws, None)
        await ws.send(_subscribe({sid: after}))
        errors: list[str] = []
        got, _, engine_errors = await probe.data(ws, MAX_FRAMES, errors)
    mine = [e.seq for e in got if e.strategy_id == sid]
    gap = [e for e in engine_errors if e.code == "resume_gap"]
    ok = (
        bool(mine)
        and mine[0] == after + 1
        and not _seq_problems([e for e in got if e.strategy_id == sid], {sid: after})
    )
    if gap and not mine:
        report.add("resume", True, f"{sid}: resume_gap reported ({gap[0].message})")
        return
    report.add(
        "resume",
        ok,
        f"{sid} after seq {after}: first replayed seq "
        f"{mine[0] if mine else None}" + ("" if ok else f", expected {after + 1}"),
    )


async def _check_batch(probe: _Probe, report: Report) -> None:
    async with probe.session() as ws:
        await probe.greeting(ws, None)
        await ws.send(_subscribe(batch=16))
        errors: list[str] = []
        _, batches, _ = await probe.data(ws, MAX_FRAMES, errors)
    if errors:
        report.add("batches", False, f"invalid frames: {errors[:3]}")
    elif not batches:
        report.add("batches", None, "engine sends single frames (the extension is optional)")
    else:
        too_big = [n for n in batches if n > 16]
        report.add(
            "batches",
            not too_big,
            f"{len(batches)} batch frames of ≤16"
            if not too_big
            else f"batch frames of {too_big[:3]} items, asked ≤16",
        )


async def _check_errors(probe: _Probe, report: Report) -> None:
    async with probe.session() as ws:
        await probe.greeting(ws, None)
        await ws.send('{"type":"subscribe","strategies":"all"}')
        err = await _first_of(probe, ws, EngineError)
        ok = isinstance(err, EngineError) and err.code == "bad_request"
        report.add(
            "bad subscribe",
            ok,
            f"error {err.code}: {_clip(err.message)}"
            if isinstance(err, EngineError)
            else "no 'error' frame answered it",
        )
        await ws.send('{"type":"ping"}')
        beat = await _first_of(probe, ws, Heartbeat)
        report.add(
            "ping",
            beat is not None,
            "answered with a heartbeat" if beat is not None else "no heartbeat answered a ping",
        )


async def _first_of(probe: _Probe, ws: ClientConnection, kind: type) -> Any:
    loop = asyncio.get_running_loop()
    end = loop.time() + probe.timeout_s
    while loop.time() < end:
        try:
            raw = await asyncio.wait_for(ws.recv(), end - loop.time())
        except TimeoutError:
            return None
        with contextlib.suppress(FrameError):
            frame = parse_frame(raw)
            if isinstance(frame, kind):
                return frame
    return None
