"""Choosing the default thresholds on calibration seeds (never the evaluation seeds).

Each labelled scenario is replayed once through the real validator; for every rule and
day we keep its *level*: the loosest threshold at which the rule would have warned that
day (a p-value or false-alarm rate; smaller = more alarming). A candidate set of
thresholds is then judged offline — rule r warns on day t iff level[r, t] ≤ its
threshold — so hundreds of candidates cost seconds. `perfdesk bench validate` (the
evaluation seeds) is run once with the chosen defaults. See docs/validation.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from perfdesk.analytics import scenarios as sc
from perfdesk.analytics.profile import expectations_from_backtest
from perfdesk.analytics.replay import replay
from perfdesk.analytics.rules._common import interp
from perfdesk.domain.expectations import DrawdownCalibration, Expectations, Quantiles
from perfdesk.domain.thresholds import Thresholds
from perfdesk.domain.verdict import Verdict

LEVEL_RULES = (
    "drawdown",
    "sharpe_decay",
    "distribution",
    "cusum",
    "page_hinkley",
    "daily_loss",
    "regime_cusum",
)
_NULL_MAX = {"cusum": "cusum_max", "page_hinkley": "ph_max", "regime_cusum": "filtered_max"}


@dataclass
class Recorded:
    """Per kind: the scenarios and their (rules, days) level arrays; oracle statistics."""

    levels: dict[str, list[np.ndarray]] = field(default_factory=dict)
    change: dict[str, list[int | None]] = field(default_factory=dict)
    oracle_60d: list[float] = field(default_factory=list)  # per decay: max GLR in 60 days
    oracle_null: dict[tuple[float, float, float], np.ndarray] = field(default_factory=dict)
    oracle_key: list[tuple[float, float, float]] = field(default_factory=list)


def record(n: int, paths: int, seeds: tuple[int, int], null_paths: int = 400) -> Recorded:
    """Levels of `n` scenarios of each kind, generated as `power_study` does."""
    rng = np.random.default_rng(seeds[0])
    out = Recorded()
    decays = []
    for kind in ("healthy", "decay", "crash"):
        out.levels[kind], out.change[kind] = [], []
        for i in range(n):
            s = sc.make_scenario(kind, i, rng)
            exp = expectations_from_backtest(s.backtest, n_paths=paths, seed=i)
            out.levels[kind].append(levels(replay(s.live, exp), exp))
            out.change[kind].append(s.change_day)
            if kind == "decay":
                decays.append(s)
    _record_oracle(out, decays, np.random.default_rng(seeds[1]), null_paths)
    return out


def _record_oracle(
    out: Recorded, decays: list[sc.Scenario], rng: np.random.Generator, null_paths: int
) -> None:
    for s in decays:
        key = (s.params.mu, s.params.omega, s.regime.vol_ratio)
        if key not in out.oracle_null:
            live, h0 = sc.healthy_paths(s.params, null_paths, rng)
            out.oracle_null[key] = sc.oracle_statistic(s.params, s.regime, live, h0).max(axis=1)
        h0 = np.array([sc.true_variance_before(s.params, s.backtest)])
        stat = sc.oracle_statistic(s.params, s.regime, s.live[None, :], h0)[0]
        assert s.change_day is not None
        out.oracle_60d.append(float(stat[s.change_day : s.change_day + 60].max()))
        out.oracle_key.append(key)


def levels(verdicts: list[Verdict], exp: Expectations) -> np.ndarray:
    """(len(LEVEL_RULES), days): each rule's level per day (1 = would never warn)."""
    out = np.ones((len(LEVEL_RULES), len(verdicts)))
    prof = exp.profile
    for t, v in enumerate(verdicts):
        for i, name in enumerate(LEVEL_RULES):
            r = v.rule(name)
            if r is None or r.status.severity < 1:
                continue
            out[i, t] = _level(name, r.evidence, prof)
    return out


def _level(name: str, ev: dict[str, Any], prof: Any) -> float:
    if name in ("sharpe_decay", "distribution", "daily_loss"):
        p = ev.get("p_value")
        return 1.0 if p is None or math.isnan(p) else float(p)
    if name in _NULL_MAX:
        return 1.0 - _cdf(getattr(prof.drift, _NULL_MAX[name]), float(ev["value"]))
    assert prof.drawdown is not None
    return 1.0 - _drawdown_percentile(prof.drawdown, int(ev["live_days"]), float(ev["value"]))


def _cdf(q: Quantiles, value: float) -> float:
    """Inverse of the rules' quantile interpolation (clamped: above the top → 1)."""
    if value >= q.values[-1]:
        return 1.0
    return interp(value, q.values, q.probs)


def _drawdown_percentile(cal: DrawdownCalibration, days: int, dd: float) -> float:
    """The largest percentile whose limit the drawdown reaches (bisection)."""
    from perfdesk.analytics.rules.drawdown import _limit

    lo, hi = 0.5, 1.0 - 1e-9
    if dd >= _limit(cal, days, hi):
        return hi
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if dd >= _limit(cal, days, mid) else (lo, mid)
    return lo


def score(rec: Recorded, warn: np.ndarray, crit: np.ndarray) -> dict[str, float]:
    """The benchmark's shares for thresholds `warn`/`crit` (one per LEVEL_RULES)."""

    def hit(lv: np.ndarray, th: np.ndarray, start: int | None = 0, days: int = 10_000) -> bool:
        first = start or 0
        return bool((lv[:, first : first + days] <= th[:, None]).any())

    healthy, decay, crash = (rec.levels[k] for k in ("healthy", "decay", "crash"))
    fa = float(np.mean([hit(lv, warn) for lv in healthy]))
    d60 = np.mean([hit(lv, warn, c, 60) for lv, c in zip(decay, rec.change["decay"], strict=True)])
    oracle = oracle_share(rec, fa)
    return {
        "healthy_warning": fa,
        "healthy_critical": float(np.mean([hit(lv, crit) for lv in healthy])),
        "crash_5d": float(
            np.mean([hit(lv, warn, c, 5) for lv, c in zip(crash, rec.change["crash"], strict=True)])
        ),
        "decay_60d": float(d60),
        "decay_year": float(
            np.mean([hit(lv, warn, c) for lv, c in zip(decay, rec.change["decay"], strict=True)])
        ),
        "oracle_60d": oracle,
        "power_ratio": float(d60 / oracle) if oracle else math.nan,
    }


def oracle_share(rec: Recorded, fa: float) -> float:
    """The oracle's share of decays flagged within 60 days at false-alarm rate `fa`."""
    if fa <= 0:
        return 0.0
    limits = {k: float(np.quantile(v, 1 - fa)) for k, v in rec.oracle_null.items()}
    hits = [s >= limits[k] for s, k in zip(rec.oracle_60d, rec.oracle_key, strict=True)]
    return float(np.mean(hits))


def as_levels(th: Thresholds) -> tuple[np.ndarray, np.ndarray]:
    """(warning, critical) levels of `th`, in LEVEL_RULES order."""
    pairs = {
        "drawdown": (1 - th.drawdown.warning_percentile, 1 - th.drawdown.critical_percentile),
        "sharpe_decay": (th.sharpe.warning_p, th.sharpe.critical_p),
        "distribution": (th.distribution.warning_p, th.distribution.critical_p),
        "cusum": (th.cusum.warning_false_alarm, th.cusum.critical_false_alarm),
        "page_hinkley": (th.page_hinkley.warning_false_alarm, th.page_hinkley.critical_false_alarm),
        "daily_loss": (th.daily_loss.warning_prob, th.daily_loss.critical_prob),
        "regime_cusum": (
            th.regime_cusum.warning_false_alarm,
            th.regime_cusum.critical_false_alarm,
        ),
    }
    warn, crit = zip(*(pairs[name] for name in LEVEL_RULES), strict=True)
    return np.array(warn), np.array(crit)
