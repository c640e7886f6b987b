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
from perfdesk.analytics.rules._common import exceedance
from perfdesk.domain.expectations import DrawdownCalibration, Expectations
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
        return exceedance(getattr(prof.drift, _NULL_MAX[name]), float(ev["value"]))
    assert prof.drawdown is not None
    return 1.0 - _drawdown_percentile(prof.drawdown, int(ev["live_days"]), float(ev["value"]))


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


# ---- choosing a split (third round) ---------------------------------------------------------

TARGETS = {"crash_5d": 0.70, "decay_year": 0.85, "power_ratio": 0.85}
"""Detection targets of issue 22; the healthy-warning target is the search's constraint."""


def pooled(recs: list[Recorded]) -> Recorded:
    """Several calibration sets as one (their scenarios and oracle statistics together).
    A true model that appears in several sets keeps the null paths of all of them (until
    2026-12-07 the last set's replaced the others': the fourth round's pooled oracle
    shares used set 109's limits for every set; docs/validation.md, fifth round)."""
    out = Recorded()
    for rec in recs:
        for kind, lv in rec.levels.items():
            out.levels.setdefault(kind, []).extend(lv)
            out.change.setdefault(kind, []).extend(rec.change[kind])
        out.oracle_60d += rec.oracle_60d
        out.oracle_key += rec.oracle_key
        for key, null in rec.oracle_null.items():  # one model's null paths from every set
            kept = out.oracle_null.get(key)
            out.oracle_null[key] = null if kept is None else np.concatenate([kept, null])
    return out


def _first_hits(rec: Recorded, rule: int, grid: np.ndarray) -> dict[str, np.ndarray]:
    """Per kind, (len(grid), scenarios): first day at or after the change (day 0 for
    healthy) on which the rule warns at each threshold; a large number if never."""
    out = {}
    for kind, levels in rec.levels.items():
        lv = np.stack([x[rule] for x in levels])
        days = np.arange(lv.shape[1])[None, :]
        start = np.array([c or 0 for c in rec.change[kind]])[:, None]
        rows = []
        for th in grid:
            fire = (lv <= th) & (days >= start)
            rows.append(np.where(fire.any(axis=1), fire.argmax(axis=1), 10**6))
        out[kind] = np.array(rows)
    return out


def choose(
    rec: Recorded,
    grids: dict[str, list[float]],
    fixed: np.ndarray,
    cap: float,
    *,
    floors: dict[str, float] | None = None,
    targets: dict[str, float] = TARGETS,
) -> tuple[dict[str, float], dict[str, float]] | None:
    """The warning levels (for the rules in `grids`; the others keep `fixed`, in
    LEVEL_RULES order) with the best worst margin against `targets` among those with
    healthy warnings ≤ `cap` and every share in `floors` at or above its floor (ties:
    the larger sum of margins): (levels, their shares), None if no candidate fits. Rule
    r warns on day t iff its level ≤ its threshold."""
    import itertools

    others = [i for i, name in enumerate(LEVEL_RULES) if name not in grids]
    base = {k: np.full(len(v), 10**6) for k, v in rec.change.items()}
    for i in others:
        held = _first_hits(rec, i, np.array([fixed[i]]))
        base = {k: np.minimum(base[k], held[k][0]) for k in base}
    names = list(grids)
    hits = [_first_hits(rec, LEVEL_RULES.index(n), np.array(grids[n])) for n in names]
    decay, crash = (np.array([c or 0 for c in rec.change[k]]) for k in ("decay", "crash"))
    best: tuple[tuple[float, float], dict[str, float], dict[str, float]] | None = None
    for idx in itertools.product(*(range(len(grids[n])) for n in names)):
        first = {
            k: np.minimum.reduce([base[k], *(h[k][j] for h, j in zip(hits, idx, strict=True))])
            for k in base
        }
        fa = float(np.mean(first["healthy"] < 10**6))
        if fa > cap:
            continue
        oracle = oracle_share(rec, fa)
        d60 = float(np.mean(first["decay"] < decay + 60))
        shares = {
            "healthy_warning": fa,
            "crash_5d": float(np.mean(first["crash"] < crash + 5)),
            "decay_60d": d60,
            "decay_year": float(np.mean(first["decay"] < 10**6)),
            "power_ratio": d60 / oracle if oracle else (math.inf if d60 else 0.0),
        }
        if any(shares[k] < v for k, v in (floors or {}).items()):
            continue
        margins = [shares[k] - v for k, v in targets.items()]
        key = (round(min(margins), 9), sum(margins))  # ties: the better one overall
        if best is None or key > best[0]:
            best = (key, {n: grids[n][j] for n, j in zip(names, idx, strict=True)}, shares)
    return None if best is None else (best[1], best[2])
