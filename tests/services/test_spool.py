"""Spool on a real disk: order, durability across reopen, torn tails, locking."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfdesk.bench.storage import synthetic_events
from perfdesk.services.store.spool import Spool, SpoolError, merge_resume


def _batches(n: int, size: int) -> list[list]:
    events = list(synthetic_events("sp", n * size, fill_every=3, status_every=7))
    return [events[i : i + size] for i in range(0, n * size, size)]


def _segments(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.seg"))


def _cut_tail(path: Path, nbytes: int) -> None:
    path.write_bytes(path.read_bytes()[:-nbytes])


async def test_batches_come_back_in_order(tmp_path: Path) -> None:
    spool = Spool(tmp_path, segment_bytes=2000)  # several segments
    batches = _batches(10, 7)
    for b in batches:
        await spool.append(b)
    assert (spool.pending_batches, spool.pending_events) == (10, 70)
    assert spool.last_seqs() == {"sp": 70}
    out = []
    while (batch := await spool.peek()) is not None:
        out.append(batch)
        await spool.pop()
    assert out == batches
    assert spool.pending_events == 0 and spool.last_seqs() == {}
    assert _segments(tmp_path) == []
    spool.close()


async def test_reopen_resumes_where_draining_stopped(tmp_path: Path) -> None:
    batches = _batches(6, 5)
    spool = Spool(tmp_path, segment_bytes=600)
    for b in batches:
        await spool.append(b)
    await spool.pop()
    await spool.pop()
    spool.close()  # as if the process died here
    again = Spool(tmp_path)
    assert again.pending_batches == 4
    assert await again.peek() == batches[2]
    for _ in range(4):
        await again.pop()
    await again.append(batches[0])
    again.close()
    third = Spool(tmp_path)
    assert await third.peek() == batches[0]
    third.close()


async def test_torn_tail_is_cut_and_earlier_batches_kept(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    batches = _batches(3, 4)
    for b in batches:
        await spool.append(b)
    spool.close()
    [segment] = _segments(tmp_path)
    _cut_tail(segment, 10)  # killed in the middle of writing the last batch
    again = Spool(tmp_path)
    assert again.pending_batches == 2
    assert await again.peek() == batches[0]
    await again.append(batches[2])  # appends after the cut, still readable
    again.close()
    third = Spool(tmp_path)
    assert third.pending_batches == 3
    third.close()


def test_one_process_per_directory(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    with pytest.raises(SpoolError, match="another perfdesk process"):
        Spool(tmp_path)
    spool.close()


def test_resume_is_the_max_of_stored_and_spooled() -> None:
    assert merge_resume({"a": 10, "b": 5}, {"b": 9, "c": 3}) == {"a": 10, "b": 9, "c": 3}
