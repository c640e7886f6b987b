"""`perfdesk conformance`: the simulator and the publisher conform; a broken engine
on loopback does not, and the report says what is wrong."""

from __future__ import annotations

import asyncio
import json
import sys

from websockets.asyncio.server import ServerConnection, serve

from perfdesk.publish import Publisher
from perfdesk.services.engine.conformance import check
from perfdesk.sim import Simulator


async def test_the_simulator_conforms() -> None:
    sim = Simulator(strategies=2, seed=3, rate=200.0, backfill_days=2, backfill_step_s=3600)
    url = await sim.start()
    try:
        report = await check(url, timeout_s=5)
    finally:
        await sim.stop()
    lines = [r.line() for r in report.results]
    assert report.passed, lines
    names = {r.name: r.outcome for r in report.results}
    assert names["resume"] == "ok" and names["batches"] == "ok" and names["ping"] == "ok"


async def test_an_engine_on_the_publisher_conforms() -> None:
    pub = Publisher(token="t")
    pub.strategy("a")
    for i in range(30):
        pub.equity("a", equity=100.0 + i)
    url = await pub.start()
    try:
        report = await check(url, token="t", timeout_s=3)
    finally:
        await pub.stop()
    assert report.passed, [r.line() for r in report.results]


async def _broken(ws: ServerConnection) -> None:
    """Announces fine, then: replays from seq 1 whatever the resume, sends a seq as a
    string, ignores pings and bad subscribes."""
    await ws.send(
        json.dumps(
            {
                "type": "hello",
                "protocol": 1,
                "engine_id": "broken",
                "server_time": "2026-01-05T00:00:00Z",
            }
        )
    )
    await ws.send(
        json.dumps({"type": "strategy", "strategy_id": "s", "name": "S", "status": "active"})
    )
    async for raw in ws:
        doc = json.loads(raw)
        if doc.get("type") != "subscribe" or not isinstance(doc.get("strategies"), list):
            continue
        for seq in range(1, 6):
            await ws.send(
                json.dumps(
                    {
                        "type": "equity",
                        "strategy_id": "s",
                        "seq": seq,
                        "ts": "2026-01-05T00:00:00Z",
                        "equity": 1.0,
                        "realized_pnl": 0,
                        "unrealized_pnl": 0,
                        "position_value": 0,
                    }
                )
            )
        await ws.send('{"type":"equity","strategy_id":"s","seq":"6"}')


async def test_a_broken_engine_fails_with_what_is_wrong() -> None:
    async with serve(_broken, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        report = await check(f"ws://127.0.0.1:{port}", timeout_s=1.5)
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "perfdesk.cli",
            "conformance",
            f"ws://127.0.0.1:{port}",
            "--timeout",
            "1.5",
            stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await proc.communicate()
    outcome = {r.name: r for r in report.results}
    assert not report.passed
    assert outcome["hello"].outcome == "ok"
    assert outcome["data frames"].outcome == "FAIL"
    assert "equity.seq" in outcome["data frames"].detail
    assert outcome["resume"].outcome == "FAIL" and "expected 3" in outcome["resume"].detail
    assert outcome["bad subscribe"].outcome == "FAIL" and outcome["ping"].outcome == "FAIL"
    assert proc.returncode == 1
    assert b"FAIL resume" in out and b"does NOT conform" in out


async def test_an_unreachable_engine_is_reported() -> None:
    report = await check("ws://127.0.0.1:9", timeout_s=1)
    assert not report.passed
    assert report.results[0].name == "connect" and report.results[0].outcome == "FAIL"
