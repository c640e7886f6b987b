"""The Freqtrade source against a loopback Freqtrade API server replaying a fixture
recorded with freqtrade's own code (tests/services/freqtrade_fake.py)."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest

from perfdesk.domain.events import DataEvent, FillEvent, StatusEvent
from perfdesk.domain.status import StrategyState
from perfdesk.services.engine.cursor import MemoryCursorStore, PgCursorStore
from perfdesk.services.engine.freqtrade.replay import ReplayServer as FakeFreqtrade
from perfdesk.services.engine.freqtrade.replay import load_session
from perfdesk.services.engine.freqtrade.source import FreqtradeSource
from perfdesk.services.engine.recorder import RecordingHandler
from perfdesk.services.engine.source import SourceConfig
from perfdesk.services.engine.sources import open_source
from perfdesk.services.store.store import Store


def filled_orders(session: dict[str, Any], upto: int) -> list[str]:
    """Order ids filled in the fixture up to step `upto`, in fill-time order."""
    step = session["steps"][upto]
    orders = [
        (o["order_filled_timestamp"], o["order_id"])
        for t in step["open_trades"] + step["closed_trades"]
        for o in t["orders"]
        if not o["is_open"] and o["filled"]
    ]
    return [oid for _, oid in sorted(orders)]


def fills(events: Sequence[DataEvent]) -> list[FillEvent]:
    return [e for e in events if isinstance(e, FillEvent)]


def build(url: str, handler: Any, resume: Any, cursors: Any) -> FreqtradeSource:
    source = open_source(SourceConfig(url, token="pw"))(handler, resume, cursors=cursors)
    assert isinstance(source, FreqtradeSource)
    source.poll_s = 0.05
    return source


async def no_resume() -> dict[str, int]:
    return {}


@pytest.fixture
async def fake() -> AsyncIterator[FakeFreqtrade]:
    server = FakeFreqtrade()
    await server.start()
    yield server
    await server.stop()


async def _url(fake: FakeFreqtrade) -> str:
    return f"freqtrade+http://{fake.user}@127.0.0.1:{fake.port}"


async def test_fills_status_and_equity_arrive_once_in_fill_order(fake: FakeFreqtrade) -> None:
    handler = RecordingHandler()
    source = build(await _url(fake), handler, no_resume, MemoryCursorStore())
    task = asyncio.create_task(source.run())
    try:
        first = filled_orders(fake.session, 0)
        await handler.wait_for(lambda: len(fills(handler.events)) >= len(first))
        for _ in range(3):
            await fake.advance()
        every = filled_orders(fake.session, 3)
        await handler.wait_for(lambda: len(fills(handler.events)) >= len(every))
        await handler.wait_for(lambda: sum(isinstance(e, StatusEvent) for e in handler.events) >= 3)
    finally:
        await source.stop()
        await task
    assert fake.subscriptions == [["entry_fill", "exit_fill", "status"]]
    info = handler.strategies["ft_momo"]
    assert info.name == "ft_momo (SampleStrategy)"
    got = fills(handler.events)
    assert [f.order_id for f in got] == every  # each once, in fill order
    seqs = handler.seqs["ft_momo"]
    assert seqs == list(range(1, len(seqs) + 1))
    stop = next(f for f in got if "stoploss" in f.order_id)
    assert stop.side == "sell" and stop.expected_price == 2955.0 and stop.price == 2950.0
    assert stop.fee == pytest.approx(0.001 * stop.qty * stop.price)
    states = [e.status for e in handler.events if isinstance(e, StatusEvent)]
    assert states == [StrategyState.ACTIVE, StrategyState.PAUSED, StrategyState.ACTIVE]
    equity = [e for e in handler.events if e.type == "equity"]
    assert equity and equity[-1].equity == fake.state["balance"]["total_bot"]
    assert equity[-1].realized_pnl == fake.state["profit"]["profit_closed_coin"]


async def test_a_dropped_link_back_fills_what_happened_meanwhile(fake: FakeFreqtrade) -> None:
    handler = RecordingHandler()
    source = build(await _url(fake), handler, no_resume, MemoryCursorStore())
    task = asyncio.create_task(source.run())
    try:
        await handler.wait_for(lambda: len(fills(handler.events)) >= 3)
        await fake.drop()
        fake.step = 2  # two steps happen while the link is down (their messages are lost)
        await handler.wait_for(lambda: source.stats.reconnects >= 1)
        want = filled_orders(fake.session, 2)
        await handler.wait_for(lambda: len(fills(handler.events)) >= len(want))
    finally:
        await source.stop()
        await task
    assert [f.order_id for f in fills(handler.events)] == want
    assert handler.seqs["ft_momo"] == list(range(1, len(handler.seqs["ft_momo"]) + 1))


class StoringSink(RecordingHandler):
    """Writes each message's events to PostgreSQL. With `die_at_fills`, the first
    message with fills and everything after it is never stored: a process that died
    after the cursor was saved but before the events reached the database."""

    def __init__(self, store: Store, *, die_at_fills: bool = False) -> None:
        super().__init__()
        self.store = store
        self.die_at_fills, self.dead = die_at_fills, False

    async def on_events(self, events: Sequence[DataEvent]) -> None:
        if self.die_at_fills and fills(events):
            self.dead = True
        if self.dead:
            self.changed.set()
            return
        await self.store.write_events(list(events))
        await super().on_events(events)


async def test_restarts_store_every_fill_exactly_once(fake: FakeFreqtrade, store: Store) -> None:
    cursors = PgCursorStore(store.pool)
    url = await _url(fake)

    async def run_until(sink: StoringSink, done: Any) -> None:
        source = build(url, sink, store.last_seqs, cursors)
        task = asyncio.create_task(source.run())
        try:
            await sink.wait_for(done)
        finally:
            await source.stop()
            await task

    first = StoringSink(store)
    await run_until(first, lambda: len(fills(first.events)) >= 3)
    await fake.advance()  # while perfdesk is down
    second = StoringSink(store, die_at_fills=True)  # the next run must take them again
    await run_until(second, lambda: second.dead)
    await fake.advance()
    await fake.advance()
    third = StoringSink(store)
    want = filled_orders(fake.session, 3)
    stored_fills = "SELECT order_id FROM fills WHERE strategy_id = 'ft_momo' ORDER BY seq"

    async def stored() -> list[str]:
        return [r["order_id"] for r in await store.pool.fetch(stored_fills)]

    await run_until(third, lambda: len(fills(third.events)) >= len(want) - 3)
    assert await stored() == want  # once each, in order, across three processes
    assert await store.seqs("ft_momo") == list(range(1, len(await store.seqs("ft_momo")) + 1))
    row = await store.pool.fetchrow("SELECT seq FROM engine_cursors")
    assert row["seq"] <= max(await store.seqs("ft_momo"))


async def test_malformed_messages_are_dead_lettered_and_the_stream_goes_on(
    fake: FakeFreqtrade,
) -> None:
    handler = RecordingHandler()
    source = build(await _url(fake), handler, no_resume, MemoryCursorStore())
    task = asyncio.create_task(source.run())
    try:
        await handler.wait_for(lambda: len(fills(handler.events)) >= 3)
        for raw in ("{not json", "[1,2]", '{"type":"entry_fill","pair":"X"}', '{"type":"status"}'):
            await fake.send(raw)
        await handler.wait_for(lambda: len(handler.dead_letters) >= 4)
        await fake.advance()
        await handler.wait_for(lambda: len(fills(handler.events)) >= 5)
    finally:
        await source.stop()
        await task
    reasons = [r for _, r in handler.dead_letters]
    assert "not valid JSON" in reasons[0] and "'type'" in reasons[1]
    assert "trade_id" in reasons[2] and "status" in reasons[3]


def _older_bot(session: dict[str, Any]) -> dict[str, Any]:
    """The fixture as an older freqtrade serves it: no order_filled_timestamp on orders,
    no total_bot in /balance, one order broken beyond reading."""
    old = copy.deepcopy(session)
    for step in old["steps"]:
        step["balance"].pop("total_bot")
        for trade in step["open_trades"] + step["closed_trades"]:
            for order in trade["orders"]:
                order["order_timestamp"] = order.pop("order_filled_timestamp")
        step["closed_trades"][0]["orders"][0]["average"] = "n/a"
        step["closed_trades"][0]["orders"][0]["safe_price"] = None
    return old


async def test_fields_that_moved_between_versions_are_read_and_reported() -> None:
    fake = FakeFreqtrade(_older_bot(load_session()))
    await fake.start()
    handler = RecordingHandler()
    source = build(await _url(fake), handler, no_resume, MemoryCursorStore())
    task = asyncio.create_task(source.run())
    try:
        await handler.wait_for(
            lambda: (
                len(fills(handler.events)) >= 2 and any(e.type == "equity" for e in handler.events)
            )
        )
        await asyncio.sleep(0.1)  # a second poll: the notes are not repeated
    finally:
        await source.stop()
        await task
        await fake.stop()
    assert len(source.notes) == 2
    assert any("order_filled_timestamp" in n for n in source.notes)
    assert any("total_bot" in n for n in source.notes)
    equity = next(e for e in handler.events if e.type == "equity")
    assert equity.equity == fake.state["balance"]["total"]
    assert len(handler.dead_letters) == 1 and "average" in handler.dead_letters[0][1]


async def test_wrong_credentials_keep_retrying_with_the_reason(fake: FakeFreqtrade) -> None:
    handler = RecordingHandler()
    source = open_source(SourceConfig(await _url(fake), token="wrong"))(handler, no_resume)
    task = asyncio.create_task(source.run())
    try:
        await handler.wait_for(lambda: source.stats.reconnects >= 1)
    finally:
        await source.stop()
        await task
    assert "401" in (source.stats.last_error or "")
    assert handler.events == []


def test_link_errors_never_carry_the_token() -> None:
    from perfdesk.services.engine.adapter import redact

    text = "403, url='http://h/api/v1/message/ws?token=eyJhbGciOi.x&a=1' password=pw"
    assert redact(text) == "403, url='http://h/api/v1/message/ws?token=***&a=1' password=***"


async def test_a_refused_websocket_reports_its_status_not_its_url(fake: FakeFreqtrade) -> None:
    fake.refuse_ws = True
    handler = RecordingHandler()
    source = build(await _url(fake), handler, no_resume, MemoryCursorStore())
    task = asyncio.create_task(source.run())
    try:
        await handler.wait_for(lambda: source.stats.reconnects >= 1)
    finally:
        await source.stop()
        await task
    assert source.stats.last_error == "link lost: message/ws: HTTP 403"


async def test_the_runtime_stores_a_bot_through_its_cursor_store(
    fake: FakeFreqtrade, store: Store
) -> None:
    from perfdesk.services.runtime.local import Runtime

    runtime = Runtime(store, open_source(SourceConfig(await _url(fake), token="pw")))
    want = filled_orders(fake.session, 0)
    await runtime.start()
    try:
        async with asyncio.timeout(30):
            while await store.pool.fetchval("SELECT count(*) FROM fills") < len(want):
                await runtime.writer.flush()
    finally:
        await runtime.stop()
    rows = await store.pool.fetch("SELECT order_id FROM fills ORDER BY seq")
    assert [r["order_id"] for r in rows] == want
    cursor = await store.pool.fetchrow("SELECT source, strategy_id FROM engine_cursors")
    assert cursor["strategy_id"] == "ft_momo" and cursor["source"].startswith("freqtrade+http://")
    assert "pw" not in cursor["source"] and "ft@" not in cursor["source"]


async def test_no_seq_is_handed_out_before_the_stored_ones_are_known(fake: FakeFreqtrade) -> None:
    calls = 0

    async def flaky() -> dict[str, int]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise OSError("database restarting")
        return {"ft_momo": 0}

    handler = RecordingHandler()
    source = build(await _url(fake), handler, flaky, MemoryCursorStore())
    task = asyncio.create_task(source.run())
    try:
        await handler.wait_for(lambda: len(fills(handler.events)) >= 3)
    finally:
        await source.stop()
        await task
    assert calls >= 2 and source.stats.reconnects >= 1
    assert handler.seqs["ft_momo"][0] == 1
