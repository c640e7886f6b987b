"""analyze_many's batched path (loads run ahead, analyses in worker processes) gives
exactly what `analyze` gives strategy by strategy (real PostgreSQL, real processes)."""

from __future__ import annotations

import asyncio
import dataclasses
import math
from typing import Any

import numpy as np
import pytest
from history_seed import seed

from perfdesk.domain.thresholds import Thresholds
from perfdesk.services.history import service as history_service
from perfdesk.services.history import workers
from perfdesk.services.history.service import HistoryError, HistoryRequest, HistoryService
from perfdesk.services.store.store import Store


def assert_same(a: Any, b: Any, where: str = "result") -> None:
    """Exact equality through dataclasses, dicts, sequences and arrays (NaN == NaN)."""
    assert type(a) is type(b), where
    if dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            assert_same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for key in a:
            assert_same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, where
        assert np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"), where
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b), where
    else:
        assert a == b, where


async def test_the_batched_path_equals_the_per_strategy_path(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workers, "worker_count", lambda: 2)  # the batch path on any machine
    monkeypatch.setattr(history_service, "PROCESS_MIN_BATCH", 2)
    await seed(store, "alpha")
    await seed(store, "beta")
    await seed(store, "gamma", with_expectations=False)
    service = HistoryService(store)
    thresholds = Thresholds()
    requests = [HistoryRequest(s, "ALL") for s in ("gamma", "alpha", "beta")]
    requests.append(HistoryRequest("alpha", "1M", resolution="1d"))
    seen: list[float] = []
    batch = await service.analyze_many(requests, thresholds, lambda f, _m: seen.append(f))
    one_by_one = [await service.analyze(r, thresholds) for r in requests]
    assert workers.shared.pool is not None  # the analyses went to worker processes
    assert [r.strategy_id for r in batch] == ["gamma", "alpha", "beta", "alpha"]
    assert batch[1].replay is not None and batch[1].replay.status  # a full analysis
    for a, b in zip(batch, one_by_one, strict=True):
        assert_same(a, b, a.strategy_id)
    assert seen == [0.25, 0.5, 0.75, 1.0]


async def test_a_strategy_without_data_fails_the_batch_clearly(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workers, "worker_count", lambda: 2)
    monkeypatch.setattr(history_service, "PROCESS_MIN_BATCH", 2)
    await seed(store, "alpha")
    requests = [HistoryRequest("alpha"), HistoryRequest("nope"), HistoryRequest("alpha")]
    with pytest.raises(HistoryError, match="'nope' has no stored data"):
        await HistoryService(store).analyze_many(requests)


async def test_a_killed_worker_loses_nothing(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers killed under the pool: the batch still returns every analysis (in a
    thread), and the next batch gets a new pool."""
    monkeypatch.setattr(workers, "worker_count", lambda: 2)
    monkeypatch.setattr(history_service, "PROCESS_MIN_BATCH", 2)
    await seed(store, "alpha")
    service = HistoryService(store)
    requests = [HistoryRequest("alpha", "ALL"), HistoryRequest("alpha", "1M")]
    await service.analyze_many(requests)
    pool = workers.shared.pool
    assert pool is not None
    for process in list(pool._processes.values()):
        process.kill()
        process.join()
    results = await service.analyze_many(requests)
    want = [await service.analyze(r) for r in requests]
    for a, b in zip(results, want, strict=True):
        assert_same(a, b, a.strategy_id)
    assert workers.shared.pool is not pool or pool._broken


async def test_an_idle_pool_is_shut_down_and_the_next_batch_gets_a_new_one(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Worker processes do not stay all day after one compare: once nothing is pending
    for `idle_s` the pool shuts down (its processes exit); a later batch works."""
    monkeypatch.setattr(workers, "worker_count", lambda: 2)
    monkeypatch.setattr(history_service, "PROCESS_MIN_BATCH", 2)
    monkeypatch.setattr(workers.shared, "idle_s", 0.3)
    await seed(store, "alpha")
    service = HistoryService(store)
    requests = [HistoryRequest("alpha", "ALL"), HistoryRequest("alpha", "1M")]
    first = await service.analyze_many(requests)
    pool = workers.shared.pool
    assert pool is not None
    processes = list(pool._processes.values())
    assert processes
    for _ in range(100):
        if workers.shared.pool is None and not any(p.is_alive() for p in processes):
            break
        await asyncio.sleep(0.05)
    assert workers.shared.pool is None
    assert not any(p.is_alive() for p in processes)  # the workers exited
    again = await service.analyze_many(requests)
    assert workers.shared.pool is not None and workers.shared.pool is not pool
    for a, b in zip(first, again, strict=True):
        assert_same(a, b, a.strategy_id)


def test_a_pool_busy_again_is_not_shut_down() -> None:
    """The idle timer of a pool that got work meanwhile does nothing."""
    shared = workers._Shared()
    pool = shared.executor()
    shared.pending = 1  # an analysis submitted after the timer was set
    shared._reap(pool)
    assert shared.pool is pool
    shared.pending = 0
    shared._reap(pool)
    assert shared.pool is None
