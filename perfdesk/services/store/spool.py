"""Spool: an append-only, fsync'd disk queue of event batches for database outages.

Layout: `<dir>/<NNNNNNNNNN>.seg` segment files of records
`[u32 length][u32 crc32][u32 events][payload]`, payload = JSON array of event frames.
Each `append` writes one record and fsyncs before returning, so a batch the writer
handed over survives a SIGKILL or power cut. `peek`/`pop` consume records oldest first;
consumed segments are deleted and the read position is kept in `position` (written
without fsync: after a crash a few batches may be replayed, which the idempotent store
ignores). A torn record at the end of the last segment (a kill mid-write) is cut off
on open. One process per directory (`flock` on `spool.lock`).

Used from one task (the StoreWriter); file I/O runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from perfdesk.domain.events import DATA_EVENTS, DataEvent

log = logging.getLogger(__name__)

_HEADER = struct.Struct(">III")
SEGMENT_BYTES = 64 * 1024 * 1024


class SpoolError(RuntimeError):
    """The spool directory cannot be used (locked by another process, unreadable)."""


@dataclass(frozen=True)
class _Record:
    segment: int
    offset: int
    length: int
    events: int


def _segment_name(number: int) -> str:
    return f"{number:010d}.seg"


class Spool:
    """Disk-backed FIFO of event batches. Open with `Spool(directory)`; `close()` after."""

    def __init__(self, directory: Path, *, segment_bytes: int = SEGMENT_BYTES) -> None:
        self._dir = Path(directory)
        self._dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._segment_bytes = segment_bytes
        self._lock_fd: int | None = self._lock()
        self._records: list[_Record] = []
        self._pending = 0
        self._last_seqs: dict[str, int] = {}
        self._write_segment = 0
        self._write_file: int | None = None
        self._load()

    @property
    def directory(self) -> Path:
        return self._dir

    @property
    def pending_events(self) -> int:
        """Events written to disk and not yet handed back by `pop`."""
        return self._pending

    @property
    def pending_batches(self) -> int:
        return len(self._records)

    def last_seqs(self) -> dict[str, int]:
        """Highest spooled seq per strategy (merge with Store.last_seqs() to resume)."""
        return dict(self._last_seqs)

    async def append(self, events: Sequence[DataEvent]) -> None:
        """Write one batch and fsync it; returns once it is durable."""
        if not events:
            return
        payload = DATA_EVENTS.dump_json(list(events))
        await asyncio.to_thread(self._append_sync, payload, len(events))
        for e in events:
            self._last_seqs[e.strategy_id] = max(self._last_seqs.get(e.strategy_id, 0), e.seq)

    async def peek(self) -> list[DataEvent] | None:
        """The oldest batch, or None when empty."""
        if not self._records:
            return None
        return await asyncio.to_thread(self._read_sync, self._records[0])

    async def pop(self) -> None:
        """Forget the oldest batch (after it was stored)."""
        if not self._records:
            return
        done = self._records.pop(0)
        self._pending -= done.events
        await asyncio.to_thread(self._advance_sync, done)

    def close(self) -> None:
        if self._write_file is not None:
            os.close(self._write_file)
            self._write_file = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    # -- files ------------------------------------------------------------------

    def _lock(self) -> int:
        fd = os.open(self._dir / "spool.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise SpoolError(
                f"another perfdesk process is using the spool in {self._dir}"
            ) from None
        return fd

    def _segments(self) -> list[int]:
        return sorted(int(p.stem) for p in self._dir.glob("*.seg") if p.stem.isdigit())

    def _load(self) -> None:
        """Index the records still to drain; cut a torn tail; rebuild last_seqs."""
        start_seg, start_off = self._read_position()
        segments = self._segments()
        for number in segments:
            if number < start_seg:
                (self._dir / _segment_name(number)).unlink()
                continue
            self._index_segment(number, start_off if number == start_seg else 0)
        # Never reuse a number at or below the read position (it would be skipped).
        self._write_segment = max((segments[-1] + 1) if segments else 1, start_seg + 1)
        if self._records:
            log.warning(
                "spool holds %d events from before; draining them first", self.pending_events
            )

    def _index_segment(self, number: int, start: int) -> None:
        path = self._dir / _segment_name(number)
        data = path.read_bytes()
        offset = start
        while offset + _HEADER.size <= len(data):
            length, crc, count = _HEADER.unpack_from(data, offset)
            body = data[offset + _HEADER.size : offset + _HEADER.size + length]
            if len(body) < length or zlib.crc32(body) != crc:
                break
            self._records.append(_Record(number, offset, length, count))
            self._pending += count
            for e in DATA_EVENTS.validate_json(body):
                self._last_seqs[e.strategy_id] = max(self._last_seqs.get(e.strategy_id, 0), e.seq)
            offset += _HEADER.size + length
        if offset < len(data):
            log.warning("spool %s: cutting %d torn bytes at %d", path, len(data) - offset, offset)
            with path.open("r+b") as f:
                f.truncate(offset)
                os.fsync(f.fileno())

    def _append_sync(self, payload: bytes, count: int) -> None:
        if self._write_file is None or self._write_size() >= self._segment_bytes:
            self._open_next_segment()
        assert self._write_file is not None
        offset = os.lseek(self._write_file, 0, os.SEEK_END)
        os.write(self._write_file, _HEADER.pack(len(payload), zlib.crc32(payload), count) + payload)
        os.fsync(self._write_file)
        self._records.append(_Record(self._write_segment, offset, len(payload), count))
        self._pending += count

    def _write_size(self) -> int:
        assert self._write_file is not None
        return os.fstat(self._write_file).st_size

    def _open_next_segment(self) -> None:
        if self._write_file is not None:
            os.close(self._write_file)
            self._write_segment += 1
        path = self._dir / _segment_name(self._write_segment)
        self._write_file = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        dir_fd = os.open(self._dir, os.O_RDONLY)
        try:
            os.fsync(dir_fd)  # the new file's name is durable too
        finally:
            os.close(dir_fd)

    def _read_sync(self, record: _Record) -> list[DataEvent]:
        with (self._dir / _segment_name(record.segment)).open("rb") as f:
            f.seek(record.offset + _HEADER.size)
            body = f.read(record.length)
        return DATA_EVENTS.validate_json(body)

    def _advance_sync(self, done: _Record) -> None:
        """Persist the read position; delete segments that are fully drained."""
        if not self._records:  # all drained: start afresh in a new segment
            if self._write_file is not None:
                os.close(self._write_file)
                self._write_file = None
            self._write_segment = max(self._write_segment, done.segment) + 1
            position = (self._write_segment, 0)
            self._last_seqs.clear()
        else:
            position = (self._records[0].segment, self._records[0].offset)
        self._write_position(*position)
        for number in self._segments():
            if number < position[0]:
                (self._dir / _segment_name(number)).unlink()

    def _read_position(self) -> tuple[int, int]:
        try:
            seg, off = (self._dir / "position").read_text().split()
            return int(seg), int(off)
        except (OSError, ValueError):
            return 0, 0

    def _write_position(self, segment: int, offset: int) -> None:
        tmp = self._dir / "position.tmp"
        tmp.write_text(f"{segment} {offset}\n")
        tmp.replace(self._dir / "position")


def merge_resume(stored: dict[str, int], spooled: dict[str, int]) -> dict[str, int]:
    """The resume map to send the engine: per strategy, the highest seq that is either in
    the database or durably spooled (events after it are replayed by the engine)."""
    merged = dict(stored)
    for sid, seq in spooled.items():
        merged[sid] = max(merged.get(sid, 0), seq)
    return merged
