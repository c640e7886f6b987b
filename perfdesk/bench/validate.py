"""`perfdesk bench validate`: validation speed, detection latency and detection power.

- cycle_ms_200: p50 wall time of one validation cycle (validate_many with BH) over 200
  live strategies, each with a calibrated backtest profile, one new sample each between
  cycles (steady state).
- detect_latency_s_p99: strategies stream intraday samples in real time at a normal
  event rate; a validation cycle runs every 250 ms; a strategy breaks (−15 % at once) at a
  known wall instant; latency = break → first verdict change.
- Power: labelled daily scenarios (perfdesk.analytics.scenarios) replayed through the
  real validator; shares with Wilson 95 % intervals; the oracle (GLR knowing the true
  parameters, not the change day) at our healthy false-warning rate.
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime
from typing import Any

import numpy as np

from perfdesk.analytics import scenarios as sc
from perfdesk.analytics.profile import expectations_from_backtest
from perfdesk.analytics.replay import replay
from perfdesk.analytics.streaming import EquityStats
from perfdesk.analytics.validator import validate_many
from perfdesk.domain.expectations import Expectations
from perfdesk.domain.thresholds import Thresholds

DAY = 86_400.0


def run(quick: bool) -> dict[str, Any]:
    n = 20 if quick else 200
    paths = 1000 if quick else 2000
    out: dict[str, Any] = {"scenarios_per_kind": n, "calibration_paths": paths}
    out |= cycle_benchmark(200, cycles=20 if quick else 100)
    out |= latency_benchmark(strategies=20, seconds=4.0 if quick else 10.0)
    out |= power_study(n, paths)
    return out


# ---- cycle time --------------------------------------------------------------------------


def _live_book(
    count: int, days: int, rng: np.random.Generator
) -> list[tuple[str, EquityStats, Expectations, Thresholds]]:
    """`count` strategies sharing 8 calibrated profiles, each with `days` of live samples
    (every 30 minutes) and fills."""
    profiles = [
        expectations_from_backtest(
            sc.make_scenario("healthy", i, rng).backtest,
            n_paths=400,
            seed=i,
            win_rate=0.55,
            trades_per_day=20,
            slippage_bps=2.0,
        )
        for i in range(min(8, count))
    ]
    book = []
    t0 = 20_000 * DAY
    for k in range(count):
        stats = EquityStats()
        eq = 1e6
        for step in range(days * 48):
            eq *= 1 + rng.normal(0.0001, 0.0014)
            ts = t0 + step * 1800.0
            stats.update(ts, eq)
            if step % 7 == 0:
                px = 100 + rng.normal()
                stats.fill(
                    ts,
                    "X",
                    "buy" if step % 14 else "sell",
                    qty=1,
                    price=px,
                    expected_price=px - 0.01,
                )
        book.append((f"s{k}", stats, profiles[k % len(profiles)], Thresholds()))
    return book


def cycle_benchmark(count: int, cycles: int) -> dict[str, Any]:
    rng = np.random.default_rng(1)
    book = _live_book(count, days=40, rng=rng)
    times, cpu = [], []
    for _ in range(cycles):
        for _sid, stats, _e, _t in book:
            stats.update(stats.last_ts + 1.0, stats.equity * (1 + rng.normal(0, 1e-4)))
        now = datetime.fromtimestamp(book[0][1].last_ts + 1.0, UTC)
        t, c0 = time.perf_counter(), time.thread_time()
        validate_many(book, now)
        times.append(time.perf_counter() - t)
        cpu.append(time.thread_time() - c0)
    ms = np.array(times) * 1e3
    return {
        "cycle_ms_200": float(np.median(ms)),
        "cycle_ms_200_p99": float(np.quantile(ms, 0.99)),
        "cycle_cpu_ms_200": float(np.median(cpu) * 1e3),
        **_day_roll(book, rng, days=5),
        "cycle_strategies": count,
    }


def _day_roll(book: list[Any], rng: np.random.Generator, days: int) -> dict[str, float]:
    """p50 wall and CPU time of the cycle right after every strategy finished a day at
    once (midnight UTC): the once-a-day work (KS, the drift filters) runs for all."""
    times, cpu = [], []
    for _ in range(days):
        for _sid, stats, _e, _t in book:
            ts = (math.floor(stats.last_ts / DAY) + 1) * DAY + 1.0
            stats.update(ts, stats.equity * (1 + rng.normal(0, 1e-2)))
        now = datetime.fromtimestamp(book[0][1].last_ts + 1.0, UTC)
        t, c0 = time.perf_counter(), time.thread_time()
        validate_many(book, now)
        times.append(time.perf_counter() - t)
        cpu.append(time.thread_time() - c0)
    return {
        "cycle_ms_200_day_roll": float(np.median(times) * 1e3),
        "cycle_cpu_ms_200_day_roll": float(np.median(cpu) * 1e3),
    }


# ---- detection latency -------------------------------------------------------------------


def latency_benchmark(strategies: int, seconds: float, rate_hz: float = 10.0) -> dict[str, Any]:
    """Real-time stream at `rate_hz` samples/s per strategy (speed-up: 1 wall s = 10 min)."""
    rng = np.random.default_rng(2)
    exp = Expectations(max_drawdown=0.1)
    book = [(f"s{k}", EquityStats(), exp, Thresholds()) for k in range(strategies)]
    breaks = {f"s{k}": 0.5 + (seconds - 1.5) * k / strategies for k in range(strategies)}
    seen: dict[str, float] = {}
    start = time.perf_counter()
    next_cycle = start
    step = 0
    while (now := time.perf_counter() - start) < seconds:
        _stream(book, breaks, now, step, rng)
        step += 1
        if time.perf_counter() >= next_cycle:
            _cycle(book, breaks, seen, start)
            next_cycle += 0.25
        time.sleep(max(0.0, start + step / rate_hz - time.perf_counter()))
    lat = np.array(list(seen.values())) if seen else np.array([math.nan])
    return {
        "detect_latency_s_p50": float(np.median(lat)),
        "detect_latency_s_p99": float(np.quantile(lat, 0.99)),
        "detect_latency_detected": f"{len(seen)}/{strategies}",
    }


def _stream(
    book: list[Any], breaks: dict[str, float], now: float, step: int, rng: np.random.Generator
) -> None:
    for sid, stats, _e, _t in book:
        eq = stats.equity if stats.n_samples else 1e6
        shock = 0.85 if breaks[sid] <= now and stats.max_drawdown < 0.1 else 1.0
        stats.update(20_000 * DAY + step * 60.0, eq * shock * (1 + rng.normal(0, 2e-4)))


def _cycle(book: list[Any], breaks: dict[str, float], seen: dict[str, float], start: float) -> None:
    now = datetime.fromtimestamp(book[0][1].last_ts, UTC)
    for v in validate_many(book, now):
        elapsed = time.perf_counter() - start
        if (
            v.strategy_id not in seen
            and breaks[v.strategy_id] <= elapsed
            and v.status.severity >= 2
        ):
            seen[v.strategy_id] = elapsed - breaks[v.strategy_id]


# ---- detection power ----------------------------------------------------------------------


def wilson(k: int, n: int) -> tuple[float, float]:
    """95 % Wilson score interval of a share k/n."""
    if n == 0:
        return math.nan, math.nan
    z, p = 1.959964, k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _share(name: str, hits: list[bool]) -> dict[str, Any]:
    k, n = int(sum(hits)), len(hits)
    lo, hi = wilson(k, n)
    return {name: k / n if n else math.nan, f"{name}_ci95": [lo, hi]}


def _severities(s: sc.Scenario, paths: int, seed: int) -> np.ndarray:
    exp = expectations_from_backtest(s.backtest, n_paths=paths, seed=seed)
    return np.array([v.status.severity for v in replay(s.live, exp)])


EVALUATION_SEEDS = (13, 14)
"""Scenario and oracle seeds of the reported figures (seventh round; fixed before any of
its calibration sets was used for a choice). Design choices and default thresholds were
chosen on the calibration seeds (103, 104) … (117, 118), never on these. (3, 4) (rounds
1–3) and (11, 12) (fourth round) are spent: they are not used for choosing anything.
See docs/validation.md, "Seventh round (pre-registered)"."""


def power_study(
    n: int, paths: int, null_paths: int = 400, seeds: tuple[int, int] = EVALUATION_SEEDS
) -> dict[str, Any]:
    """Detection shares on `n` labelled scenarios of each kind (`seeds`: scenarios, oracle)."""
    rng = np.random.default_rng(seeds[0])
    kinds: tuple[sc.Kind, ...] = ("healthy", "decay", "crash")
    runs: dict[str, list[tuple[sc.Scenario, np.ndarray]]] = {}
    for kind in kinds:
        runs[kind] = []
        for i in range(n):
            s = sc.make_scenario(kind, i, rng)
            runs[kind].append((s, _severities(s, paths, seed=i)))
    healthy, decays, crashes = runs["healthy"], runs["decay"], runs["crash"]
    out: dict[str, Any] = {}
    out |= _share("healthy_ever_critical_share", [_hit(sev, level=3) for _s, sev in healthy])
    out |= _share("healthy_ever_warning_share", [_hit(sev) for _s, sev in healthy])
    out |= _share("crash_warned_5d_share", [_hit(sev, s.change_day, 5) for s, sev in crashes])
    out |= _share("decay_flagged_60d_share", [_hit(sev, s.change_day, 60) for s, sev in decays])
    out |= _share("decay_flagged_year_share", [_hit(sev, s.change_day) for s, sev in decays])
    fa_warn = out["healthy_ever_warning_share"]
    oracle_rng = np.random.default_rng(seeds[1])
    oracle = _oracle_hits([s for s, _ in decays], fa_warn, oracle_rng, null_paths)
    out |= _share("oracle_decay_flagged_60d_share", oracle)
    ours = out["decay_flagged_60d_share"]
    theirs = out["oracle_decay_flagged_60d_share"]
    out["power_ratio_60d"] = ours / theirs if theirs else math.nan
    out["oracle_false_alarm_rate"] = fa_warn
    return out


def _hit(sev: np.ndarray, start: int | None = 0, days: int = 10_000, level: int = 2) -> bool:
    """Was the status at `level` or worse on some day in [start, start + days)?"""
    first = start or 0
    return bool((sev[first : first + days] >= level).any())


def _oracle_hits(
    decays: list[sc.Scenario], fa: float, rng: np.random.Generator, null_paths: int = 400
) -> list[bool]:
    """Per decay scenario: did the oracle alarm within 60 days of the change, with its
    threshold set so that healthy paths of the same true model alarm with rate `fa`?"""
    thresholds: dict[tuple[float, float, float], float] = {}
    hits = []
    for s in decays:
        key = (s.params.mu, s.params.omega, s.regime.vol_ratio)
        if key not in thresholds:
            live, h0 = sc.healthy_paths(s.params, null_paths, rng)
            null_max = sc.oracle_statistic(s.params, s.regime, live, h0).max(axis=1)
            thresholds[key] = float(np.quantile(null_max, 1 - fa)) if fa > 0 else math.inf
        h0 = np.array([sc.true_variance_before(s.params, s.backtest)])
        stat = sc.oracle_statistic(s.params, s.regime, s.live[None, :], h0)[0]
        assert s.change_day is not None
        hits.append(bool((stat[s.change_day : s.change_day + 60] >= thresholds[key]).any()))
    return hits
