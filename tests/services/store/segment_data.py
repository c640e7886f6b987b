"""Data and reads shared by the compaction tests (migration 0603, store/compaction.py).

Two strategies over four UTC days, stored through the real write path: `sec`, a sample
every 10 s with microsecond jitter (one sample's ts goes back across a midnight), fills
and statuses on the same seq counter; `min`, one sample a minute (raw mode, migration
0600) with fills. `every_read` reads each API that sees raw equity, so a test can
compare the answers before and after compaction exactly.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from perfdesk.bench.storage import synthetic_events
from perfdesk.domain.events import DataEvent, EquityEvent
from perfdesk.reports.csv_writer import write_csv
from perfdesk.reports.html_render import render_html
from perfdesk.services.client import strategies as client
from perfdesk.services.history import queries as history_queries
from perfdesk.services.history.service import HistoryRequest, HistoryService
from perfdesk.services.reports.builder import ReportBuilder, ReportRequest
from perfdesk.services.store.store import BAR_FIELDS, Store

START = datetime(2026, 1, 5, tzinfo=UTC)
NOW = datetime(2026, 1, 9, 6, tzinfo=UTC)
"""Compacting at NOW with after_days=1 moves 5, 6 and 7 January; the 8th stays raw."""
SEC_COUNT = 4 * 8_640
MIN_COUNT = 4 * 1_440
GAP_SEQ = 20_001
"""A `sec` equity seq (6 January) left out of the first load: a gap to fill later."""


def sec_events() -> list[DataEvent]:
    rng = random.Random(7)
    out: list[DataEvent] = []
    for ev in synthetic_events("sec", SEC_COUNT, start=START, step_s=10.0, fill_every=20,
                               status_every=97):  # fmt: skip
        if not isinstance(ev, EquityEvent):
            out.append(ev)
            continue
        jitter = timedelta(microseconds=rng.randrange(-400_000, 400_000))
        if ev.seq == 8_640:  # 5 Jan 23:59:50: its ts goes back across midnight
            jitter = timedelta(seconds=-30)
        if ev.seq == 8_641:  # the first sample of 6 Jan comes "before" its neighbour
            jitter = timedelta(seconds=-15)
        out.append(dataclasses.replace(ev, ts=ev.ts + jitter))
    return out


def min_events() -> list[DataEvent]:
    return list(synthetic_events("min", MIN_COUNT, start=START, step_s=60.0, fill_every=20))


async def load(store: Store, *, gap: bool = False, batch: int = 5_000) -> list[DataEvent]:
    """Store both strategies in batches (the live fast path); with `gap`, GAP_SEQ is
    left out. Returns the events stored."""
    events = [e for e in sec_events() if not (gap and e.seq == GAP_SEQ)]
    events += min_events()
    for i in range(0, len(events), batch):
        await store.write_events(events[i : i + batch])
    return events


def gap_event() -> DataEvent:
    return next(e for e in sec_events() if e.seq == GAP_SEQ)


def _windows() -> list[tuple[datetime | None, datetime | None]]:
    day = START + timedelta(days=1)
    return [
        (None, None),
        (day + timedelta(hours=3, seconds=7), day + timedelta(hours=5, minutes=1)),
        (day - timedelta(minutes=3), day + timedelta(days=2, minutes=17)),
        (START + timedelta(days=2, hours=23), None),
        (START + timedelta(days=3), START + timedelta(days=3, hours=1)),
    ]


def _arrays(value: Any) -> Any:
    """numpy arrays as (dtype, bytes): compared bit for bit."""
    if isinstance(value, np.ndarray):
        return (str(value.dtype), value.shape, value.tobytes())
    if isinstance(value, tuple | list):
        return type(value)(_arrays(v) for v in value)
    if isinstance(value, dict):
        return {k: _arrays(v) for k, v in value.items()}
    return value


async def every_read(store: Store, out_dir: Path) -> dict[str, Any]:
    """Every read of raw equity (and what is built from it), as comparable values."""
    reads: dict[str, Any] = {"last_seqs": await store.last_seqs()}
    reads["count"] = await store.count_events()
    for sid in ("sec", "min"):
        reads[f"{sid}/count"] = await store.count_events(sid)
        reads[f"{sid}/seqs"] = await store.seqs(sid)
        for start, end in _windows():
            reads[f"{sid}/raw {start} {end}"] = await store.equity_series(sid, start, end)
            bars = await store.rollups(sid, "1m", start, end, fields=BAR_FIELDS)
            reads[f"{sid}/1m {start} {end}"] = (bars.bucket, bars.columns)
        days = await store.rollups(sid, "1d")
        reads[f"{sid}/1d"] = (days.bucket, days.columns)
        reads[f"{sid}/span"] = await history_queries.data_span(store.pool, sid)
        reads[f"{sid}/go-live"] = await history_queries.first_sample_ts(store.pool, sid)
        reads[f"{sid}/client seed"] = await client.history_series(store, sid)
        reads[f"{sid}/client last"] = await store.pool.fetchval(client._LAST_SEQ, sid)
        after = await store.pool.fetch(client._AFTER, [sid], [8_000], 100_000)
        reads[f"{sid}/client after"] = [tuple(r) for r in after]
        for resolution in ("raw", "1m"):
            hreq = HistoryRequest(sid, None, START + timedelta(hours=20),
                                  START + timedelta(days=2, hours=2), resolution)  # fmt: skip
            data = await HistoryService(store).load(hreq)
            reads[f"{sid}/history {resolution}"] = (data.t, data.equity, data.go_live_ts)
    reads["report"] = await _report_files(store, out_dir)
    comparable: dict[str, Any] = _arrays(reads)
    return comparable


async def _report_files(store: Store, out_dir: Path) -> dict[str, str]:
    """The CSV export and the HTML of a report over the four days (fixed clock)."""
    builder = ReportBuilder(store, clock=lambda: NOW)
    report = await builder.build(ReportRequest((), START, START + timedelta(days=4)))
    await asyncio.to_thread(out_dir.mkdir, parents=True, exist_ok=True)
    files = {p.name: p.read_text() for p in write_csv(report, out_dir, "r", overwrite=True)}
    files["html"] = render_html(report)
    return files
