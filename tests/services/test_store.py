"""Store against a real PostgreSQL: idempotent writes, resume points, dead letters."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from perfdesk.bench.storage import synthetic_events
from perfdesk.domain.events import StrategyInfo
from perfdesk.domain.expectations import Expectations
from perfdesk.domain.status import Status, StrategyState
from perfdesk.domain.verdict import RuleResult, Verdict
from perfdesk.services.store.store import Store


async def test_same_batch_twice_is_stored_once(store: Store) -> None:
    batch = list(synthetic_events("s1", 1000, fill_every=5, status_every=97))
    assert await store.write_events(batch) == 1000
    assert await store.write_events(batch) == 0
    assert await store.count_events() == 1000
    assert await store.seqs("s1") == list(range(1, 1001))


async def test_replays_overlaps_and_gap_fills_store_each_seq_once(store: Store) -> None:
    events = list(synthetic_events("s1", 600, fill_every=4, status_every=50))
    rng = random.Random(7)
    chunks = [events[i : i + 50] for i in range(0, 600, 50)]
    rng.shuffle(chunks)  # gaps first, filled later (staged path) ...
    for chunk in chunks:
        await store.write_events(chunk + rng.sample(events, 20))  # ... with replays mixed in
    assert await store.seqs("s1") == list(range(1, 601))
    assert await store.last_seqs() == {"s1": 600}


async def test_repeats_inside_one_batch_keep_the_first(store: Store) -> None:
    batch = list(synthetic_events("s1", 10, fill_every=0))
    assert await store.write_events(batch + batch[:5]) == 10
    assert await store.seqs("s1") == list(range(1, 11))


async def test_last_seqs_over_all_kinds_and_strategies(store: Store) -> None:
    assert await store.last_seqs() == {}
    await store.write_events(list(synthetic_events("a", 30, fill_every=3)))
    await store.write_events(list(synthetic_events("b", 10, fill_every=0, status_every=10)))
    assert await store.last_seqs() == {"a": 30, "b": 10}  # a's 30 is a fill, b's 10 a status
    assert await store.count_events("a") == 30


async def test_dead_letters_keep_the_raw_bytes_and_reason(store: Store) -> None:
    await store.add_dead_letter(b'{"type": "equity", \xff\xfe}', "not valid JSON: bad utf-8")
    await store.add_dead_letter('{"type": "nope"}', "type: unknown frame type")
    letters = await store.dead_letters()
    assert [d.reason for d in letters] == ["type: unknown frame type", "not valid JSON: bad utf-8"]
    assert letters[1].raw == b'{"type": "equity", \xff\xfe}'
    assert letters[1].raw_len == len(letters[1].raw)
    assert await store.count_dead_letters() == 2


async def test_strategies_round_trip_and_keep_expectations(store: Store) -> None:
    exp = Expectations(sharpe=1.5, max_drawdown=0.12)
    await store.upsert_strategy(
        StrategyInfo(strategy_id="a", name="Alpha", status=StrategyState.ACTIVE, expectations=exp)
    )
    await store.upsert_strategy(
        StrategyInfo(strategy_id="a", name="Alpha 2", status=StrategyState.PAUSED)
    )
    [info] = await store.strategies()
    assert (info.name, info.status, info.expectations) == ("Alpha 2", StrategyState.PAUSED, exp)


async def test_save_verdict(store: Store) -> None:
    rule = RuleResult(rule="drawdown", status=Status.WARNING, message="deep", value=0.1)
    verdict = Verdict(strategy_id="a", ts=datetime(2026, 1, 5, tzinfo=UTC), rules=(rule,))
    await store.save_verdict(verdict)
    row = await store.pool.fetchrow("SELECT strategy_id, status, rules FROM verdicts")
    assert (row["strategy_id"], row["status"]) == ("a", "warning")
    assert '"drawdown"' in row["rules"]


async def test_unnest_staging_path_matches_copy(db_dsn: str) -> None:
    store = await Store.open(db_dsn, use_copy=False)
    try:
        batch = list(synthetic_events("s1", 200, fill_every=3, status_every=11))
        assert await store.write_events(batch) == 200
        assert await store.write_events(batch[50:150]) == 0
        assert await store.seqs("s1") == list(range(1, 201))
    finally:
        await store.close()


async def test_a_seq_is_unique_across_kinds(store: Store) -> None:
    await store.write_events(list(synthetic_events("s1", 20, fill_every=0)))
    other_kinds = list(synthetic_events("s1", 20, fill_every=1))  # same seqs, as fills
    assert await store.write_events(other_kinds) == 0
    assert await store.seqs("s1") == list(range(1, 21))
