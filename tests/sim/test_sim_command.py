"""`perfdesk sim` as a user runs it: prints its URL, serves, stops cleanly on SIGINT."""

from __future__ import annotations

import asyncio
import signal
import sys

from websockets.asyncio.client import connect

from perfdesk.domain.events import Batch, Hello, StrategyInfo, parse_frame


async def test_sim_command_serves_and_stops_on_sigint():
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "perfdesk.cli", "sim", "--port", "0", "--strategies", "4",
        "--rate", "1000", "--max-events", "500", "--seed", "3",
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    try:
        async with asyncio.timeout(60):
            first = (await proc.stdout.readline()).decode()
            assert first.startswith("perfdesk sim: ws://127.0.0.1:")
            url = first.split()[2]
            assert "trend-healthy" in first and "statarb-stall" in first
            done = (await proc.stdout.readline()).decode()
            assert done.startswith("perfdesk sim: produced ")
            async with connect(url, close_timeout=0.5) as ws:
                assert isinstance(parse_frame(await ws.recv()), Hello)
                infos = [parse_frame(await ws.recv()) for _ in range(4)]
                assert all(isinstance(i, StrategyInfo) for i in infos)
    finally:
        proc.send_signal(signal.SIGINT)
        code = await asyncio.wait_for(proc.wait(), 30)
    assert code == 0


async def test_sim_command_refuses_an_unset_token_variable(monkeypatch):
    monkeypatch.delenv("PERFDESK_TEST_NO_SUCH_TOKEN", raising=False)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "perfdesk.cli", "sim", "--port", "0",
        "--token-env", "PERFDESK_TEST_NO_SUCH_TOKEN",
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 2
    assert b"PERFDESK_TEST_NO_SUCH_TOKEN is empty or unset" in err


async def test_sim_command_backfill_days_sends_the_past_first():
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "perfdesk.cli", "sim", "--port", "0", "--strategies", "2",
        "--backfill-days", "3", "--backfill-step", "3600", "--seed", "4",
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    try:
        async with asyncio.timeout(60):
            url = (await proc.stdout.readline()).decode().split()[2]
            note = (await proc.stdout.readline()).decode()
            assert note.startswith("perfdesk sim: backfilled ")
            assert "(3 trading days before 2026-01-05)" in note
            backfilled = int(note.split()[3])
            async with connect(url, close_timeout=0.5) as ws:
                await ws.send('{"type":"subscribe","strategies":["*"],"batch":256}')
                seen: dict[str, list[int]] = {}
                while sum(map(len, seen.values())) < backfilled + 10:
                    frame = parse_frame(await ws.recv())
                    for item in frame.frames if isinstance(frame, Batch) else [frame]:
                        if item.type in ("equity", "fill", "status"):
                            seen.setdefault(item.strategy_id, []).append(item.seq)
    finally:
        proc.send_signal(signal.SIGINT)
        code = await asyncio.wait_for(proc.wait(), 30)
    assert code == 0
    assert len(seen) == 2
    for seqs in seen.values():
        assert seqs == list(range(1, len(seqs) + 1))
    assert sum(len(s) for s in seen.values()) >= backfilled + 10


async def test_sim_command_refuses_a_backfill_larger_than_its_history():
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "perfdesk.cli", "sim", "--port", "0", "--strategies", "1",
        "--backfill-days", "20", "--history", "1000",
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 2
    assert b"at most half the history" in err
