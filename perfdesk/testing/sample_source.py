"""A synthetic, in-process SnapshotSource: realistic-looking strategies without an engine.

Used by the screenshot script, the GUI benchmark and view tests. Equity follows a
random walk with volatility clustering; verdicts carry evidence like the validator's.
Not thread-safe: call `advance` and `snapshots` from one thread (the GUI thread).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from perfdesk.analytics.rules import registry
from perfdesk.domain.alerts import Alert, AlertState
from perfdesk.domain.snapshot import StorageState, StrategySnapshot
from perfdesk.domain.status import FeedState, Status, StrategyState
from perfdesk.domain.verdict import RuleResult, Verdict

NAMES = [
    "Momentum ES",
    "Mean-rev NQ",
    "Carry FX G10",
    "Stat-arb Pairs",
    "Trend CL",
    "Vol-sell SPX",
    "Basis BTC",
    "Breakout GC",
    "Market-make EU",
    "Pairs Banks",
    "Seasonal NG",
    "Dispersion",
    "Gamma scalp",
    "Rates RV",
    "Crypto MM",
    "Index arb",
    "Overnight drift",
    "Event earnings",
    "Skew carry",
    "Ticker momentum",
]
CHART_POINTS = 1500


@dataclass
class _Strategy:
    sid: str
    name: str
    start: float
    t: np.ndarray
    y: np.ndarray
    vol: float
    drift: float
    state: StrategyState = StrategyState.ACTIVE
    feed: FeedState = FeedState.LIVE
    version: int = 1
    events: int = 0
    verdict_kind: str = "ok"
    snapshot: StrategySnapshot | None = None
    peak: float = 0.0
    sharpe: float = 0.0
    rules: tuple[RuleResult, ...] = field(default_factory=tuple)


SAMPLE_LIVE_DAYS = 126  # the sample strategies' Sharpe stands for ~6 months of live days


class SampleSource:
    """`count` strategies; strategy 2 breaks (critical), 4 decays (warning), 6 is stale."""

    def __init__(self, count: int = 8, seed: int = 7, now: datetime | None = None) -> None:
        self.rng = np.random.default_rng(seed)
        self.now = now or datetime.now(UTC).replace(microsecond=0)
        self.strategies = [self._make(i) for i in range(count)]
        self._alerts: list[Alert] = []
        for s in self.strategies:
            self._judge(s)

    def _make(self, i: int) -> _Strategy:
        sid = f"strat-{i + 1:02d}"
        name = NAMES[i % len(NAMES)] + ("" if i < len(NAMES) else f" {i // len(NAMES) + 1}")
        start = float(self.rng.choice([250_000, 500_000, 1_000_000, 2_000_000]))
        kind = {1: "critical", 3: "warning", 5: "stale"}.get(i, "ok")
        vol = 0.012 / np.sqrt(CHART_POINTS)  # ~1.2 % daily volatility over the session
        drift = {"critical": -0.3, "warning": -0.1}.get(kind, 0.12) * vol
        t = self.now.timestamp() - (CHART_POINTS - np.arange(CHART_POINTS)) * 15.0
        y = start * np.cumprod(1 + self._returns(CHART_POINTS, vol, drift))
        if kind == "critical":
            y[-260:] *= np.linspace(1.0, 0.875, 260)
        elif kind == "warning":
            y[-700:] *= np.linspace(1.0, 0.955, 700)
        s = _Strategy(sid, name, start, t, y, vol, drift, verdict_kind=kind)
        s.feed = FeedState.STALE if kind == "stale" else FeedState.LIVE
        s.peak = float(y.max())
        s.events = int(self.rng.integers(2_000, 90_000))
        s.sharpe = {"critical": -1.84, "warning": 0.42}.get(kind, float(self.rng.uniform(0.9, 2.4)))
        return s

    def _returns(self, n: int, vol: float, drift: float) -> np.ndarray:
        shocks = self.rng.standard_t(4, n) / np.sqrt(2.0)
        clustering = np.exp(np.convolve(self.rng.normal(0, 0.35, n), np.ones(40) / 40, "same"))
        return np.asarray(drift + vol * clustering * shocks, dtype=np.float64)

    def advance(self, events: int, dt: float = 0.1) -> None:
        """Apply `events` equity events spread over the strategies, `dt` seconds later."""
        per = max(1, events // max(1, len(self.strategies)))
        self.now += timedelta(seconds=dt)
        for s in self.strategies:
            if s.feed is FeedState.STALE:
                continue
            step = float(np.prod(1 + self._returns(per, s.vol / np.sqrt(per), s.drift / per)))
            s.y = np.roll(s.y, -1)
            s.t = np.roll(s.t, -1)
            s.y[-1] = s.y[-2] * step
            s.t[-1] = self.now.timestamp()
            s.events += per
            s.version += 1
            s.peak = max(s.peak, float(s.y[-1]))
            s.snapshot = None

    def _judge(self, s: _Strategy) -> None:
        dd = float(1 - (s.y / np.maximum.accumulate(s.y)).min())
        since = self.now - timedelta(minutes=int(self.rng.integers(5, 300)))
        drawdown_status = {"critical": Status.CRITICAL, "warning": Status.WARNING}.get(
            s.verdict_kind, Status.OK
        )
        warn, stale = s.verdict_kind == "warning", s.verdict_kind == "stale"
        ok, nd, w = Status.OK, Status.INSUFFICIENT_DATA, Status.WARNING
        psr, ks = (0.004, 0.184) if warn else (0.82, 0.071)
        sr_live = -0.84 if warn else 1.62
        ks_p = "0.0021" if warn else "0.41"
        # Sample results by rule: (rule, status, message, value, limit, unit, evidence).
        table: list[tuple[str, Status, str, float, float, str, dict[str, float]]] = [
            ("drawdown", drawdown_status, f"Max drawdown {dd:.1%} vs expected 8.0%", dd,
             0.08 * (1.2 if drawdown_status is Status.CRITICAL else 0.8), "fraction", {}),
            ("sharpe_decay", w if warn else ok,
             f"live Sharpe {sr_live:.2f} over the last 40 days vs backtest 1.80 "
             f"(p={psr:.2g} over a live year); a claim of edge needs 129 more days",
             sr_live, 1.8, "sharpe",
             {"p_value": psr, "window_days": 40, "more_days_for_edge": 129.0}),
            ("distribution", w if warn else ok,
             f"KS distance {ks:.3f} to the backtest (p={ks_p}, 64 days)", ks, 0.15, "",
             {"statistic": ks, "p_value": float(ks_p)}),
            ("cusum", ok, "No drift in standardised returns", 1.7, 5.0, "",
             {"statistic": 1.7, "max": 2.4}),
            ("regime_cusum", ok, "Regime CUSUM 0.90 (warning at 6.10, critical at 9.40) "
             "over 64 days", 0.9, 6.1, "llr", {"statistic": 0.9, "max": 1.6}),
            ("page_hinkley", ok, "Page–Hinkley 2.10 (warn 8.00, critical 12.00) over 64 days",
             2.1, 8.0, "", {"statistic": 2.1, "max": 3.0}),
            ("daily_loss", ok,
             "today's return -0.42%, P(a day this bad) = 0.21 under the backtest model",
             0.0042, 0.03, "fraction", {"p_value": 0.21}),
            ("win_rate", nd if stale else ok, "Win rate 54% vs expected 55% (binomial)", 54.0,
             48.0, "%", {"p_value": 0.41, "wins": 54, "trades": 100}),
            ("slippage", ok, "Slippage 1.2 bps vs expected 1.5 bps", 1.2, 3.0, "bps",
             {"n_fills": 212, "std_bps": 0.8}),
            ("trade_frequency", nd if stale else ok,
             "0.40 of 2 days observed" if stale
             else "212 fills in 9.0 trading days, 204.0 expected (p=0.62)",
             212.0, 204.0, "fills", {} if stale else {"p_value": 0.62, "expected": 204.0}),
            ("stale", w if stale else ok,
             "No data for 42 s (limit 10 s)" if stale else "Feed live",
             42.0 if stale else 0.4, 10.0, "s", {"age_s": 42.0 if stale else 0.4}),
        ]  # fmt: skip
        s.rules = _in_registry_order(table, since)
        if s.verdict_kind in ("critical", "warning", "stale"):
            worst = next(r for r in sorted(s.rules, key=lambda r: -r.status.severity))
            self._alerts.append(
                Alert(
                    fingerprint=Alert.fingerprint_of(s.sid, worst.rule),
                    strategy_id=s.sid,
                    rule=worst.rule,
                    severity=Status.CRITICAL if worst.status is Status.CRITICAL else Status.WARNING,
                    state=AlertState.FIRING,
                    message=worst.message,
                    started_at=since,
                    updated_at=self.now,
                )
            )

    def snapshots(self) -> dict[str, StrategySnapshot]:
        return {s.sid: self._snapshot(s) for s in self.strategies}

    def _snapshot(self, s: _Strategy) -> StrategySnapshot:
        if s.snapshot is None:
            day_open = float(s.y[0])
            equity = float(s.y[-1])
            verdict = Verdict(strategy_id=s.sid, ts=self.now, rules=s.rules)
            s.snapshot = StrategySnapshot(
                strategy_id=s.sid,
                name=s.name,
                state=s.state,
                version=s.version,
                equity=equity,
                pnl_today=equity - day_open,
                drawdown=1 - equity / s.peak,
                max_drawdown=float(1 - (s.y / np.maximum.accumulate(s.y)).min()),
                sharpe=s.sharpe,
                sharpe_days=SAMPLE_LIVE_DAYS,
                events=s.events,
                last_ts=self.now - timedelta(seconds=42 if s.feed is FeedState.STALE else 0.3),
                received_at=time.time() - (42 if s.feed is FeedState.STALE else 2.4),
                feed=s.feed,
                verdict=verdict,
                chart_t=s.t.copy(),
                chart_equity=s.y.copy(),
            )
        return s.snapshot

    def active_alerts(self) -> list[Alert]:
        return list(self._alerts)

    def engine_notes(self) -> list[str]:
        return []

    def storage(self) -> StorageState:
        """The database is fine in the sample (the status bar shows "● Database")."""
        return StorageState(db_available=True, spooled=0, pending=12)


_FIELDS = ("rule", "status", "message", "value", "limit", "unit", "evidence")


def _in_registry_order(
    table: list[tuple[str, Status, str, float, float, str, dict[str, float]]], since: datetime
) -> tuple[RuleResult, ...]:
    """One result per registered rule, in the validator's order: the sample row where
    the table has one, else an OK row with the rule's own explanation."""
    rows = {row[0]: row for row in table}
    out = []
    for rule in registry.RULES:
        row = rows.get(rule.id) or (rule.id, Status.OK, rule.explanation, 0.0, 0.0, "", {})
        fields = dict(zip(_FIELDS, row, strict=True))
        out.append(RuleResult.model_validate({"since": since, **fields}))
    return tuple(out)
