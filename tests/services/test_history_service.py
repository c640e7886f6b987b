"""HistoryService against a real PostgreSQL: ranges, resolutions, rollups vs raw, errors."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from history_seed import DAYS, START, STEP_S, seed

from perfdesk.domain.thresholds import Thresholds
from perfdesk.services.history.service import (
    HistoryError,
    HistoryRequest,
    HistoryService,
    analyze_in_thread,
    choose_resolution,
    preset_range,
)
from perfdesk.services.store.store import Store


async def test_daily_returns_from_rollups_equal_raw_closes(store: Store) -> None:
    await seed(store)
    service = HistoryService(store)
    result = await service.analyze(HistoryRequest("alpha", preset="ALL"), Thresholds())
    t, eq = await store.equity_series("alpha")
    day = (t // 86_400).astype(np.int64)
    last = np.r_[np.flatnonzero(np.diff(day)), day.size - 1]
    closes = np.concatenate(([eq[0]], eq[last]))
    expected = closes[1:] / closes[:-1] - 1.0
    np.testing.assert_allclose(result.daily_returns, expected, rtol=1e-12)
    assert result.resolution == "1m"
    assert result.name == "Alpha"
    assert result.go_live_ts == pytest.approx(START.timestamp())
    assert result.equity[-1] == pytest.approx(eq[-1])
    assert result.metrics["cumulative_return"] == pytest.approx(eq[-1] / eq[0] - 1.0)


async def test_full_result_with_profile_has_every_part(store: Store) -> None:
    await seed(store)
    result = await HistoryService(store).analyze(HistoryRequest("alpha", preset="1M"))
    # the backtest overlay: clipped to the 1M range, ending where live begins
    assert result.backtest_t.size > 0 and result.backtest_t[0] >= result.start_ts
    assert result.backtest_t[-1] == START.timestamp()
    assert result.backtest_equity[-1] == pytest.approx(result.equity[0])
    assert result.cone is not None and result.cone.bands.shape == (5, DAYS + 1)
    assert result.gap is not None and result.gap.live_fills > 0
    parts = result.gap.slippage + result.gap.fees + result.gap.missed_fills + result.gap.remainder
    assert parts == pytest.approx(result.gap.shortfall)
    assert result.replay is not None and len(result.replay.status) == DAYS
    assert result.metrics_backtest["sharpe_ratio"] == pytest.approx(
        result.metrics_backtest["sharpe_ratio"]
    )


async def test_short_range_reads_raw_samples(store: Store) -> None:
    await seed(store)
    request = HistoryRequest("alpha", preset=None, start=START, end=START + timedelta(days=1))
    data = await HistoryService(store).load(request)
    assert data.resolution == "raw"
    assert data.t.size == int(86_400 / STEP_S * 0.9)  # every 10th event is a fill
    assert np.all(np.diff(data.t) > 0)


async def test_strategy_without_expectations_still_analyses(store: Store) -> None:
    await seed(store, "beta", with_expectations=False)
    result = await HistoryService(store).analyze(HistoryRequest("beta", preset="ALL"))
    assert result.cone is None and result.gap is None
    assert any("no expectations" in note for note in result.notes)
    assert [s for s, _ in await HistoryService(store).strategies()] == ["beta"]


async def test_unknown_strategy_is_a_clear_error(store: Store) -> None:
    with pytest.raises(HistoryError, match="'nope' has no stored data"):
        await HistoryService(store).load(HistoryRequest("nope"))


async def test_analyze_many_reports_progress_over_all(store: Store) -> None:
    await seed(store, "alpha")
    await seed(store, "beta", with_expectations=False)
    seen: list[float] = []
    results = await HistoryService(store).analyze_many(
        [HistoryRequest("alpha"), HistoryRequest("beta")], progress=lambda f, _m: seen.append(f)
    )
    assert [r.strategy_id for r in results] == ["alpha", "beta"]
    assert seen == sorted(seen) and seen[-1] > 0.9


async def test_cancelling_stops_the_worker_at_its_next_stage(store: Store) -> None:
    await seed(store)
    data = await HistoryService(store).load(HistoryRequest("alpha"))
    started = asyncio.Event()
    loop = asyncio.get_running_loop()
    stages: list[str] = []

    release = threading.Event()

    def progress(_f: float, message: str) -> None:
        stages.append(message)
        loop.call_soon_threadsafe(started.set)
        if len(stages) == 1:
            release.wait(30)  # hold the worker in its first stage while we cancel

    task = asyncio.create_task(analyze_in_thread(data, None, progress))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    release.set()
    await loop.shutdown_default_executor()  # returns once the worker thread has ended
    assert len(stages) == 1  # the worker stopped at the next stage


def test_presets_and_resolutions() -> None:
    last = datetime(2026, 8, 31, 15, tzinfo=UTC)
    first = datetime(2025, 1, 3, 9, tzinfo=UTC)
    end = datetime(2026, 9, 1, tzinfo=UTC)
    assert preset_range("1M", last, first) == (datetime(2026, 8, 1, tzinfo=UTC), end)
    assert preset_range("6M", last, first) == (datetime(2026, 3, 1, tzinfo=UTC), end)
    assert preset_range("YTD", last, first) == (datetime(2026, 1, 1, tzinfo=UTC), end)
    assert preset_range("ALL", last, first) == (datetime(2025, 1, 3, tzinfo=UTC), end)
    with pytest.raises(ValueError, match="unknown range preset '2W'"):
        preset_range("2W", last, first)
    assert choose_resolution(first, first + timedelta(days=1)) == "raw"
    assert choose_resolution(first, first + timedelta(days=183)) == "1m"
    assert choose_resolution(first, first + timedelta(days=800)) == "1d"
    assert choose_resolution(first, first + timedelta(days=800), "1m") == "1m"


async def test_the_numpy_analysis_runs_off_the_calling_thread(store: Store) -> None:
    import threading

    await seed(store)
    threads: dict[str, str] = {}

    def progress(_f: float, message: str) -> None:
        threads[message.split(": ", 1)[1]] = threading.current_thread().name

    await HistoryService(store).analyze(HistoryRequest("alpha"), progress=progress)
    caller = threading.current_thread().name
    assert threads["reading daily bars and the 1m series"] == caller  # I/O on the loop's thread
    assert threads["metrics"] != caller and threads["replaying the rules"] != caller
