"""`perfdesk bench history`: six months analysed end to end from the database.

Part 1 — one strategy, 6 months of 1-second equity samples (~15.7 M rows; `--quick`: 1-minute
samples, 263 k rows, same 6 months and the same 262,800 one-minute bars), plus a fill
every 5 minutes, bulk-loaded with binary COPY (rollups built in numpy, equal to the
storage back-fill — tests/services/test_history_bulk_rollups.py). Timed:
`HistoryService.analyze` for the 6M preset, i.e. the reads (1-day and 1-minute
rollups), the full metric set, drawdowns, rolling figures, cone, gap decomposition and
the day-by-day rule replay (`perfdesk_s`, median of 3 runs). Baseline
in the same run: QuantStats' full metrics (`quantstats.reports.metrics(mode="full")`) on
the same 6 months' returns series as stored, one return per sample (`quantstats_s`; its
input is already in memory, reading it is timed apart as `raw_read_s`); `ratio` =
quantstats_s / perfdesk_s. Like-for-like too: QuantStats and perfdesk's metric set on the
identical daily series (`quantstats_daily_s`, `perfdesk_daily_metrics_s`).

Part 2 — 50 strategies (`--quick`: 2) × 6 months of 1-minute samples, stored as the app
stores them: imported through the back-fill (`perfdesk import`; reporting once a minute,
they are in raw mode: no 1-minute bars of their own), then compacted as the collector does
each day (whole days older than 2 days into columnar segments). Timed: every strategy's
full analysis (`multi_s`) and the metrics-only pass on daily bars (`multi_daily_s`). Its
twin desk — the same samples bulk-loaded with stored 1-minute bars, the form of a
strategy that reports more often than once a minute — is timed the same way
(`multi_bars_s`; `multi_bars_same_series` checks both desks gave the same series).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
import warnings
from typing import Any

import asyncpg
import numpy as np

from perfdesk.bench import _history_data as data
from perfdesk.bench._harness import temporary_database

ONE = "hist-1s"
MONTHS = 6
FILL_EVERY_S = 300.0


def _sizes(quick: bool) -> dict[str, Any]:
    return {"step_s": 60.0 if quick else 1.0, "multi": 2 if quick else 50, "repeats": 3}


def run(quick: bool) -> dict[str, Any]:
    return asyncio.run(_run(quick))


async def _run(quick: bool) -> dict[str, Any]:
    sizes = _sizes(quick)
    async with temporary_database("perfdesk_bench_history") as dsn:
        loaded = await _load(dsn, sizes)
        from perfdesk.services.store.store import Store

        store = await Store.open(dsn, max_size=4)
        try:
            await _register(store, sizes["multi"])
            one = await _time_one(store, sizes["repeats"])
            multi = await _time_multi(store, sizes["multi"])
        finally:
            await store.close()
    note = "quick: 1-minute samples (263 k rows), 2 strategies" if quick else "full size"
    return loaded | one | multi | {"note": note, "load_avg_1m": os.getloadavg()[0]}


async def _load(dsn: str, sizes: dict[str, Any]) -> dict[str, Any]:
    start = data.months_ago(MONTHS)
    n_one = int(MONTHS * 30.44 * 86_400 / sizes["step_s"])
    n_min = int(MONTHS * 30.44 * 1_440)
    conn = await asyncpg.connect(dsn)
    t0 = time.perf_counter()
    try:
        await data.prepare_schema(conn)
        spec = data.PathSpec(decay_at=0.75)
        rows = await data.load_strategy(
            conn, ONE, start, n=n_one, step_s=sizes["step_s"], spec=spec, seed=1
        )
        load_s = time.perf_counter() - t0
        multi = await _import_multi(dsn, start, n_min, sizes["multi"])
        t1 = time.perf_counter()
        for i in range(sizes["multi"]):  # the same desk with stored 1-minute bars
            await data.load_strategy(
                conn, f"b{i:02d}", start, n=n_min, step_s=60.0, spec=_spec(i),
                fill_every_s=900.0, seed=10 + i,
            )  # fmt: skip
        multi["multi_bars_load_s"] = time.perf_counter() - t1
        t1 = time.perf_counter()
        await data.build_rollups(conn)
        finalize_s = time.perf_counter() - t1
    finally:
        await conn.close()
    return {"rows": n_one, "rows_with_fills": rows, "load_s": load_s, **multi,
            "analyze_tables_s": finalize_s}  # fmt: skip


async def _import_multi(dsn: str, start: Any, n_min: int, count: int) -> dict[str, Any]:
    """The desk's strategies stored as the app stores them: imported through the
    back-fill (once a minute: raw mode, no 1-minute bars of their own), then compacted
    as the collector does every day (whole days older than 2 days into segments)."""
    from perfdesk.services.store import compaction
    from perfdesk.services.store.store import Store

    store = await Store.open(dsn, max_size=4)
    try:
        t0 = time.perf_counter()
        multi_rows = 0
        for i in range(count):
            arrays = data.strategy_arrays(
                start, n=n_min, step_s=60.0, spec=_spec(i), fill_every_s=900.0, seed=10 + i
            )
            multi_rows += await data.import_strategy(store, f"m{i:02d}", arrays)
        import_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        compacted = await compaction.compact(store.pool)
        compact_s = time.perf_counter() - t0
        raw_mode = await store.pool.fetchval(
            "SELECT count(*) FROM ingest_state WHERE strategy_id LIKE 'm%' AND NOT minute_bars"
        )
    finally:
        await store.close()
    return {"multi_rows": multi_rows, "multi_import_s": import_s, "multi_compact_s": compact_s,
            "multi_compacted_rows": compacted.rows, "multi_raw_mode": raw_mode}  # fmt: skip


def _spec(i: int) -> data.PathSpec:
    """A spread of desks: healthy ones and every fifth decaying."""
    decay = 0.6 if i % 5 == 4 else None
    return data.PathSpec(annual_drift=0.05 + 0.02 * (i % 7), annual_vol=0.08 + 0.01 * (i % 5),
                         decay_at=decay)  # fmt: skip


async def _register(store: Any, multi: int) -> None:
    """Strategies with expectations from a simulated 3-year backtest (not timed)."""
    from perfdesk.analytics.profile import expectations_from_backtest
    from perfdesk.domain.events import StrategyInfo
    from perfdesk.domain.status import StrategyState

    jobs: list[tuple[tuple[str, ...], data.PathSpec, float, int]]
    jobs = [((ONE,), data.PathSpec(), 288.0, 2000)]
    jobs += [((f"m{i:02d}", f"b{i:02d}"), _spec(i), 96.0, 300) for i in range(multi)]
    for k, (sids, live_spec, trades, paths) in enumerate(jobs):
        healthy = data.PathSpec(live_spec.annual_drift, live_spec.annual_vol)
        bt = data.backtest_returns(756, healthy, 100 + k, 365)
        exp = await asyncio.to_thread(
            expectations_from_backtest, bt, periods_per_year=365, n_paths=paths,
            trades_per_day=trades, slippage_bps=0.5,
        )  # fmt: skip
        for sid in sids:  # the twins (raw mode / stored bars) share their backtest
            info = StrategyInfo(
                strategy_id=sid, name=sid, status=StrategyState.ACTIVE, expectations=exp
            )
            await store.upsert_strategy(info)


async def _time_one(store: Any, repeats: int) -> dict[str, Any]:
    from perfdesk.domain.thresholds import Thresholds
    from perfdesk.services.history.service import HistoryRequest, HistoryService, analyze_in_thread

    service = HistoryService(store)
    request = HistoryRequest(ONE, preset="6M")
    times = []
    result = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = await service.analyze(request, Thresholds())
        times.append(time.perf_counter() - t0)
    assert result is not None
    t0 = time.perf_counter()
    loaded = await service.load(request)
    read_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    await analyze_in_thread(loaded, Thresholds())
    analysis_s = time.perf_counter() - t0
    baseline = await _quantstats(store, result.daily_returns, result.daily_day)
    perfdesk_s = statistics.median(times)
    return {
        "perfdesk_s": perfdesk_s,
        "perfdesk_first_s": times[0],
        "perfdesk_read_s": read_s,
        "perfdesk_analysis_s": analysis_s,
        "series_points": int(result.t.size),
        "resolution": result.resolution,
        "days": result.n_days,
        "rules_fired": result.replay.alert_count if result.replay else 0,
        "metric_count": len(result.metrics),
        **baseline,
        "ratio": baseline["quantstats_s"] / perfdesk_s,
        "ratio_daily_compute": baseline["quantstats_daily_s"]
        / baseline["perfdesk_daily_metrics_s"],
    }


async def _quantstats(store: Any, daily: np.ndarray, day: np.ndarray) -> dict[str, Any]:
    """QuantStats' full metrics on the per-sample returns, and on the daily returns."""
    t0 = time.perf_counter()
    t, equity = await store.equity_series(ONE)
    raw_read_s = time.perf_counter() - t0
    returns = equity[1:] / equity[:-1] - 1.0
    qs_s = await asyncio.to_thread(_qs_metrics, t[1:], returns)
    qs_daily_s = await asyncio.to_thread(_qs_metrics, day, daily)
    from perfdesk.analytics import metrics

    dates = (day // 86_400).astype("int64").astype("datetime64[D]")
    t0 = time.perf_counter()
    metrics.full_report(daily, dates, periods_per_year=365)
    return {
        "raw_read_s": raw_read_s,
        "quantstats_rows": int(returns.size),
        "quantstats_s": qs_s,
        "quantstats_daily_s": qs_daily_s,
        "perfdesk_daily_metrics_s": time.perf_counter() - t0,
    }


def _qs_metrics(t: np.ndarray, returns: np.ndarray) -> float:
    """Seconds QuantStats takes for its full metrics table on this series."""
    import pandas as pd  # type: ignore[import-untyped]
    import quantstats as qs

    series = pd.Series(returns, index=pd.to_datetime(t, unit="s"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        qs.reports.metrics(series, mode="full", display=False, periods_per_year=365)  # type: ignore[no-untyped-call]
        return time.perf_counter() - t0


async def _time_multi(store: Any, count: int) -> dict[str, Any]:
    from perfdesk.domain.thresholds import Thresholds
    from perfdesk.services.history.service import HistoryRequest, HistoryService

    service = HistoryService(store)
    requests = [HistoryRequest(f"m{i:02d}", "6M") for i in range(count)]
    t0 = time.perf_counter()
    full = await service.analyze_many(requests, Thresholds())
    multi_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    daily = [HistoryRequest(r.strategy_id, "6M", resolution="1d") for r in requests]
    await service.analyze_many(daily)
    multi_daily_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    bars = await service.analyze_many(
        [HistoryRequest(f"b{i:02d}", "6M") for i in range(count)], Thresholds()
    )
    multi_bars_s = time.perf_counter() - t0
    same = all(
        a.t.tobytes() == b.t.tobytes() and a.equity.tobytes() == b.equity.tobytes()
        for a, b in zip(full, bars, strict=True)
    )
    return {
        "multi_strategies": count,
        "multi_s": multi_s,
        "multi_daily_s": multi_daily_s,
        "multi_bars_s": multi_bars_s,
        "multi_bars_same_series": same,
        "multi_points_each": int(full[0].t.size),
    }
