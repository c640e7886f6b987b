"""`perfdesk sim` as a user runs it: prints its URL, serves, stops cleanly on SIGINT."""

from __future__ import annotations

import asyncio
import signal
import sys

from websockets.asyncio.client import connect

from perfdesk.domain.events import Hello, StrategyInfo, parse_frame


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
