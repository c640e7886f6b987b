"""A synthetic but realistic report (no database): for tests, docs screenshots and the
renderer part of the benchmark. One strategy per (id, decay) with hourly equity over
`days` calendar days, a backtest profile, alerts with an ack and a threshold change.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from perfdesk.analytics.history_analysis import analyze
from perfdesk.analytics.history_types import DailyBars, HistoryInput
from perfdesk.analytics.profile import expectations_from_backtest
from perfdesk.domain.status import Status
from perfdesk.reports.assemble import REPLAY_SOURCE, period_verdict, threshold_change
from perfdesk.reports.model import AlertEntry, AlertStep, Report, StrategyReport, ThresholdChange

DAY = 86_400.0
START = datetime(2026, 1, 1, tzinfo=UTC)


def sample_input(strategy_id: str, days: int = 181, *, decay: bool = False, seed: int = 1,
                 step_s: float = 3600.0) -> HistoryInput:  # fmt: skip
    """Equity every `step_s` over `days` days; with `decay` the edge turns at 55 %."""
    rng = np.random.default_rng(seed)
    n = int(days * DAY / step_s)
    per_year = 365 * DAY / step_s
    drift = np.full(n, 0.20 / per_year)
    regime = np.repeat(rng.normal(0, 0.25, days + 1), round(DAY / step_s))
    vol = 0.11 / np.sqrt(per_year) * np.exp(regime)
    if decay:
        drift[int(n * 0.55) :] = -0.60 / per_year
        vol[int(n * 0.55) :] *= 1.6
    steps = drift + vol[:n] * rng.standard_t(5, n) / np.sqrt(5 / 3)
    t0 = START.timestamp()
    t = np.asarray(t0 + step_s * (np.arange(n) + 0.5), dtype=np.float64)
    equity = np.asarray(1_000_000.0 * np.exp(np.cumsum(steps)), dtype=np.float64)
    name = strategy_id.replace("-", " ").title()
    return HistoryInput(strategy_id, name, "1m", t, equity, _daily(t, equity),
                        _expectations(seed), t0, t0, t0 + days * DAY)  # fmt: skip


def _daily(t: np.ndarray, equity: np.ndarray) -> DailyBars:
    day = (t // DAY) * DAY
    keys, first = np.unique(day, return_index=True)
    last = np.r_[first[1:] - 1, t.size - 1]
    zeros = np.zeros(keys.size)
    fills = np.full(keys.size, 8.0)
    return DailyBars(keys, equity[first], equity[last], zeros + 40.0, zeros + 15.0,
                     zeros + 2e6, zeros + 2e6, fills)  # fmt: skip


def _expectations(seed: int):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed + 100)
    bt = 0.0008 + 0.007 * rng.standard_t(5, 750) / np.sqrt(5 / 3)
    return expectations_from_backtest(bt, n_paths=300, seed=seed, trades_per_day=8.0,
                                      slippage_bps=1.0, win_rate=0.55)  # fmt: skip


def sample_report(strategies: tuple[tuple[str, bool], ...] = (("trend-healthy", False),),
                  days: int = 181, *, cone_paths: int = 500) -> Report:  # fmt: skip
    parts = []
    for i, (sid, decay) in enumerate(strategies):
        data = sample_input(sid, days, decay=decay, seed=i + 1)
        a = analyze(data, cone_paths=cone_paths)
        verdict = period_verdict(a.daily_day, a.daily_returns, data.expectations, None)
        parts.append(StrategyReport(a, verdict, REPLAY_SOURCE, _alerts(sid, decay, days),
                                    _changes(sid)))  # fmt: skip
    end = START + timedelta(days=days)
    title = "Validation report" + (" — desk" if len(parts) > 1 else f" — {parts[0].analysis.name}")
    return Report(title, START, end, end + timedelta(hours=7), tuple(parts))


def _alerts(sid: str, decay: bool, days: int) -> tuple[AlertEntry, ...]:
    if not decay:
        return ()
    at = START + timedelta(days=int(days * 0.75), hours=10, minutes=12)
    note = "sizing down; review Friday"
    steps = (
        AlertStep(at, "fired", Status.CRITICAL),
        AlertStep(at + timedelta(hours=3), "acked", Status.CRITICAL, "pm", note),
    )
    message = "CUSUM of standardised returns 6.2 above limit 5.0"
    return (
        AlertEntry(sid, "cusum", Status.CRITICAL, "firing", message, at, "pm",
                   at + timedelta(hours=3), note, steps),
    )  # fmt: skip


def _changes(sid: str) -> tuple[ThresholdChange, ...]:
    at = START + timedelta(days=30, hours=9, minutes=41)
    old = {"drawdown": {"warning": 0.08, "critical": 0.12}}
    new = {"drawdown": {"warning": 0.10, "critical": 0.15}}
    change = threshold_change(
        at, sid, 2, action="save", actor="risk", comment="wider after vol review", old=old, new=new
    )
    return (change,)
