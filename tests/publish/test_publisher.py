"""The publisher library: an in-house engine serving protocol v1 to perfdesk's client."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from perfdesk.domain.events import EquityEvent, FillEvent, StatusEvent
from perfdesk.publish import Publisher
from perfdesk.services.engine.recorder import RecordingHandler
from perfdesk.services.engine.ws_client import EngineClient


def _publish_some(pub: Publisher, n: int) -> None:
    for i in range(n):
        pub.equity("mom", equity=1_000_000.0 + i, realized_pnl=float(i), unrealized_pnl=0.5)
    pub.fill(
        "mom",
        order_id="o1",
        symbol="ES",
        side="buy",
        qty=2,
        price=5001.25,
        fee=2.1,
        expected_price=5001.0,
    )
    pub.status("mom", "paused", reason="risk limit")


async def _stream(
    url: str, want: int, *, token: str | None = None, resume: dict[str, int] | None = None
) -> RecordingHandler:
    handler = RecordingHandler()

    async def stored() -> dict[str, int]:
        return resume or {}

    client = EngineClient(url, handler, token=token, resume=stored)
    task = asyncio.create_task(client.run())
    try:
        await handler.wait_for(lambda: handler.count() >= want, limit_s=15)
    finally:
        await client.stop()
        await task
    return handler


async def test_perfdesk_receives_what_the_engine_publishes() -> None:
    pub = Publisher(token="s3cret", engine_id="desk-engine")
    pub.strategy("mom", name="ES momentum", expectations={"sharpe": 1.2, "max_drawdown": 0.1})
    url = await pub.start()
    try:
        _publish_some(pub, 3)
        handler = await _stream(url, 5, token="s3cret")
    finally:
        await pub.stop()
    info = handler.strategies["mom"]
    assert info.name == "ES momentum" and info.expectations is not None
    assert info.expectations.sharpe == 1.2
    assert handler.seqs["mom"] == [1, 2, 3, 4, 5]
    kinds = [type(e) for e in handler.events]
    assert kinds == [EquityEvent] * 3 + [FillEvent, StatusEvent]
    fill = handler.events[3]
    assert isinstance(fill, FillEvent) and fill.slippage_bps == pytest.approx(0.4998, abs=1e-3)
    assert handler.dead_letters == []


async def test_a_restarted_engine_continues_its_seqs_and_replays_from_the_journal(
    tmp_path: Path,
) -> None:
    journal = tmp_path / "engine.journal"
    first = Publisher(journal=journal)
    first.strategy("mom")
    _publish_some(first, 4)  # seqs 1..6
    await first.stop()
    with journal.open("a", encoding="utf-8") as fh:
        fh.write('{"type":"equity","strategy_id":"mom","se')  # a torn last line (crash)
    again = Publisher(journal=journal)
    assert again.channel("mom").last_seq == 6
    url = await again.start()
    try:
        assert again.equity("mom", equity=1.0) == 7
        handler = await _stream(url, 4, resume={"mom": 3})  # perfdesk stored 1..3
    finally:
        await again.stop()
    assert handler.seqs["mom"] == [4, 5, 6, 7]
    assert handler.strategies["mom"].status.value == "paused"  # as of the journal


def test_bad_values_are_refused_at_the_call() -> None:
    pub = Publisher()
    with pytest.raises(ValueError, match="unknown strategy 'x'"):
        pub.equity("x", equity=1.0)
    pub.strategy("s")
    with pytest.raises(ValueError, match="equity must be finite"):
        pub.equity("s", equity=float("nan"))
    with pytest.raises(ValueError, match="side must be"):
        pub.fill("s", order_id="o", symbol="ES", side="long", qty=1, price=1)
    with pytest.raises(ValueError, match="qty must be > 0"):
        pub.fill("s", order_id="o", symbol="ES", side="buy", qty=0, price=1)
    with pytest.raises(ValueError, match="status must be one of"):
        pub.status("s", "sleeping")
    assert pub.channel("s").last_seq == 0


async def test_a_wrong_token_is_refused() -> None:
    pub = Publisher(token="right")
    pub.strategy("s")
    url = await pub.start()
    handler = RecordingHandler()
    client = EngineClient(url, handler, token="wrong")
    task = asyncio.create_task(client.run())
    try:
        await handler.wait_for(lambda: client.stats.reconnects >= 1)
    finally:
        await client.stop()
        await task
        await pub.stop()
    assert "401" in (client.last_error or "")


async def test_a_publisher_serves_wss_with_its_certificate(tmp_path: Path) -> None:
    from tests.services.test_engine_client_tls import _server_ssl, pki

    certs = pki.__wrapped__(tmp_path)  # the fixture's body: a private CA + a 127.0.0.1 cert
    pub = Publisher(ssl=_server_ssl(certs, "good"), token="t")
    pub.strategy("s")
    pub.equity("s", equity=1.0)
    url = await pub.start()
    try:
        assert url.startswith("wss://127.0.0.1:")
        handler = RecordingHandler()

        async def none() -> dict[str, int]:
            return {}

        client = EngineClient(url, handler, token="t", resume=none, ca_file=str(certs / "ca.pem"))
        task = asyncio.create_task(client.run())
        try:
            await handler.wait_for(lambda: handler.count() >= 1, limit_s=15)
        finally:
            await client.stop()
            await task
    finally:
        await pub.stop()
    assert handler.seqs["s"] == [1]
