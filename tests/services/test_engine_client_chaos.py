"""Chaos (R1): 100 random disconnects during ≥1,000,000 events → each stored exactly once.

Real parts throughout: the simulator on 127.0.0.1 (sped up), the EngineClient, the
StoreWriter and a real PostgreSQL. Every fifth disconnect also throws the client away
and starts a fresh one that resumes from the database (as after an app restart), while
the old client's events are still being written: idempotency must absorb the overlap.
"""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import Sequence

import pytest

from perfdesk.domain.events import DataEvent, StrategyInfo
from perfdesk.domain.status import FeedState
from perfdesk.services.engine.backoff import Backoff
from perfdesk.services.engine.ws_client import EngineClient
from perfdesk.services.store.store import Store
from perfdesk.services.store.writer import StoreWriter
from perfdesk.sim import Simulator

EVENTS = int(os.environ.get("CHAOS_EVENTS", "1000000"))
DISCONNECTS = int(os.environ.get("CHAOS_DISCONNECTS", "100"))


class StoreHandler:
    """Client -> writer/store, as the app's pipeline does (minus the monitor)."""

    def __init__(self, store: Store, writer: StoreWriter) -> None:
        self.store, self.writer = store, writer
        self.delivered = 0

    async def on_strategy(self, info: StrategyInfo) -> None:
        await self.store.upsert_strategy(info)

    async def on_events(self, events: Sequence[DataEvent]) -> None:
        for event in events:  # one put per event: the writer's slower path under chaos
            self.delivered += 1
            await self.writer.put(event)

    async def on_dead_letter(self, raw: str | bytes, reason: str) -> None:
        await self.store.add_dead_letter(raw, reason)

    def on_state(self, state: FeedState) -> None:
        pass


def _client(url: str, handler: StoreHandler, store: Store) -> EngineClient:
    return EngineClient(
        url, handler, resume=store.last_seqs, batch=256, backoff=Backoff(base_s=0.005, cap_s=0.05)
    )


async def _until(condition, what: str, state=lambda: "", limit_s: float = 300.0) -> None:
    """Poll `condition`; past the limit, fail saying what was awaited and the state."""
    deadline = asyncio.get_running_loop().time() + limit_s
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"timed out after {limit_s:g} s waiting for {what}; {state()}")
        await asyncio.sleep(0.002)


@pytest.mark.slow
async def test_million_events_hundred_disconnects_every_event_stored_once(db_dsn):
    rng = random.Random(1234)
    store = await Store.open(db_dsn)
    writer = StoreWriter(store, batch_size=5_000)
    writer.start()
    sim = Simulator(
        strategies=4,
        seed=99,
        rate=60_000.0,
        speedup=1440.0 * 500,
        history=EVENTS,
        max_events=EVENTS,
    )
    url = await sim.start()
    handler = StoreHandler(store, writer)
    client = _client(url, handler, store)
    tasks = [asyncio.create_task(client.run())]
    drops_at = sorted(rng.sample(range(1_000, EVENTS - 1_000), DISCONNECTS))
    aborted = restarts = 0

    def state() -> str:
        return (
            f"disconnect {aborted + restarts + 1} of {DISCONNECTS}, delivered "
            f"{handler.delivered:,}, sent {sim.total_sent:,}, client {client.state.value} "
            f"{client.stats}, written {writer.stats.written:,}"
        )

    try:
        for i, at in enumerate(drops_at):
            await _until(lambda at=at: handler.delivered >= at, f"{at:,} delivered", state)
            await _until(lambda c=client: c.state is FeedState.LIVE, "the link live", state)
            if (i + 1) % 5 == 0:  # an "app restart": a new client resuming from the DB
                await client.stop()
                client = _client(url, handler, store)
                tasks.append(asyncio.create_task(client.run()))
                restarts += 1
            else:
                before = client.stats.reconnects
                aborted += sim.drop_connections()
                await _until(
                    lambda c=client, b=before: c.stats.reconnects > b, "a reconnect", state
                )
        await _until(lambda: sim.total_sent >= EVENTS, "every event sent", state)
        await _until(
            lambda: all(client.last_seq(s) == sim.last_seq(s) for s in sim.strategy_ids),
            "the client to receive every event sent",
            state,
        )
        await writer.flush()
    finally:
        await client.stop()
        await asyncio.gather(*tasks)
        await writer.aclose()
        await sim.stop()
    try:
        assert aborted + restarts == DISCONNECTS and restarts == DISCONNECTS // 5
        assert sim.total_sent >= EVENTS
        assert await store.count_events() == sim.total_sent
        for sid in sim.strategy_ids:
            assert await store.seqs(sid) == list(range(1, sim.last_seq(sid) + 1)), sid
        assert await store.last_seqs() == {s: sim.last_seq(s) for s in sim.strategy_ids}
    finally:
        await store.close()
