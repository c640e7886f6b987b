"""What oracle detectors allow on the validate bench (calibration seeds only).

Issue 22 asks for five targets at once on `perfdesk bench validate`: healthy ever warning
≤ 10 %, crashes warned within 5 days ≥ 70 %, power ratio at 60 days ≥ 0.85, decays flagged
by year end ≥ 85 % (and critical ≤ 3 %). This module asks whether even a desk built from
two *oracle* detectors, which know every true parameter of the scenarios, could meet the
three detection targets within a healthy-warning budget:

- the **decay oracle** is the bench's own (`scenarios.oracle_statistic`, the GLR knowing
  the parameters before and after the change, not the change day), with its threshold set
  per true model on simulated healthy paths exactly as `validate._oracle_hits` does (same
  random draws);
- the **crash oracle** knows the true GARCH-t: on each live day it reads the true
  conditional tail probability of the day's return, −log P(r ≤ r_t | true model, past),
  plus (``vol_days`` > 0) the log-likelihood ratio of the crash regime's doubled
  volatility over the next days: max over τ in [t − vol_days, t] of tail(τ) + LLR(τ+1…t).
  It does not know the crash size (the scenarios' crash is exactly −6 unconditional σ;
  a detector using that point mass would be perfect and tell nothing).

A desk gives the crash oracle a yearly budget b_c and the decay oracle b_d (each alone
alarms, ever over the live year, on that share of healthy paths of each true model). Its
healthy rate H is the *union* on the same healthy paths, and a scenario is flagged when
either oracle alarms (a desk's status is its worst rule). The power ratio is the bench's:
the desk's share of decays flagged within 60 days / the decay oracle's share when it
alone spends the whole H.

Everything here is for calibration seeds (`CALIBRATION_SEEDS`); the evaluation seeds of
`validate.EVALUATION_SEEDS` and the spent (3, 4) and (11, 12) are not used. See docs/validation.md,
"Fifth round: what the oracles allow".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from perfdesk.analytics import scenarios as sc
from perfdesk.analytics.garch import FloatArray, t_logpdf
from perfdesk.bench.validate import wilson
from perfdesk.domain.expectations import GarchParams

CALIBRATION_SEEDS = ((103, 104), (105, 106), (107, 108), (109, 110))
"""The fourth round's calibration sets (scenario seed, oracle seed)."""
TARGETS = {"crash_5d": 0.70, "decay_year": 0.85, "power_ratio": 0.85}
BUDGETS = tuple(round(0.0025 * i, 4) for i in range(61))  # 0 … 15 % in 0.25-point steps
Key = tuple[float, float, float]


def decay_key(p: GarchParams, index: int) -> Key:
    """The decay oracle's true model for scenario `index` (what the decay scenario with
    that index would be: the same parameters and volatility ratio)."""
    return (p.mu, p.omega, sc.VOL_RATIOS[(index // 4) % 3])


def crash_statistic(p: GarchParams, live: FloatArray, h0: FloatArray, vol_days: int) -> FloatArray:
    """The crash oracle's statistic, shape (paths, days), for live returns (paths, days)
    with true conditional variance `h0` (paths,) on the first live day."""
    paths, days = live.shape
    h = np.empty((paths, days))
    h_t = h0.astype(np.float64).copy()
    for t in range(days):
        h[:, t] = h_t
        z2 = (live[:, t] - p.mu) ** 2 / h_t
        h_t = p.omega + p.alpha * h_t * z2 + p.beta * h_t
    z = (live - p.mu) / np.sqrt(h)
    scale = math.sqrt(p.nu / (p.nu - 2))  # unit-variance t → standard t
    tail = -stats.t.logcdf(z * scale, p.nu)
    out = tail.copy()
    if vol_days <= 0:
        return np.asarray(out, dtype=np.float64)
    null_ll = t_logpdf(z, p.nu) - 0.5 * np.log(h)
    k = sc.CRASH_VOL_RATIO
    # Column τ: a crash on τ, then volatility ×k; the crash shock's own size is unknown
    # to the variance recursion (its expectation is used).
    h_alt = p.omega + (p.alpha + p.beta) * h
    acc = tail.copy()
    for lag in range(1, min(vol_days, days - 1) + 1):
        n = days - lag  # candidates τ = 0 … n − 1, day t = τ + lag
        z1 = (live[:, lag:] - p.mu) / (k * np.sqrt(h_alt[:, :n]))
        acc = acc[:, :n] + (
            t_logpdf(z1, p.nu) - 0.5 * np.log(h_alt[:, :n]) - math.log(k) - null_ll[:, lag:]
        )
        out[:, lag:] = np.maximum(out[:, lag:], acc)
        h_alt = p.omega + p.alpha * h_alt[:, :n] * z1**2 + p.beta * h_alt[:, :n]
    return np.asarray(out, dtype=np.float64)


@dataclass
class OracleSet:
    """One calibration set: both oracles' statistics on its healthy null paths (per true
    model, drawn as `validate._oracle_hits` draws them) and on its labelled scenarios.

    Maxima are over the windows the bench scores: null and healthy over the live year,
    decays over [change, change + 60) and [change, end), crashes over [change, change + 5).
    """

    keys: list[Key] = field(default_factory=list)
    null_key: list[int] = field(default_factory=list)  # per null path: index into keys
    null_decay: list[float] = field(default_factory=list)
    null_crash: list[float] = field(default_factory=list)
    healthy_key: list[int] = field(default_factory=list)
    healthy_decay: list[float] = field(default_factory=list)
    healthy_crash: list[float] = field(default_factory=list)
    decay_key: list[int] = field(default_factory=list)
    decay_d60: list[float] = field(default_factory=list)
    decay_dyear: list[float] = field(default_factory=list)
    decay_c60: list[float] = field(default_factory=list)
    decay_cyear: list[float] = field(default_factory=list)
    crash_key: list[int] = field(default_factory=list)
    crash_d5: list[float] = field(default_factory=list)
    crash_c5: list[float] = field(default_factory=list)
    change: dict[str, list[int | None]] = field(default_factory=dict)

    def arrays(self) -> dict[str, np.ndarray]:
        return {
            k: np.asarray(v) for k, v in vars(self).items() if isinstance(v, list) and k != "keys"
        }


def scenarios_of(n: int, seed: int) -> dict[str, list[sc.Scenario]]:
    """The labelled scenarios `validate_tune.record(n, …, (seed, …))` replays, in order."""
    rng = np.random.default_rng(seed)
    kinds: tuple[sc.Kind, ...] = ("healthy", "decay", "crash")
    return {kind: [sc.make_scenario(kind, i, rng) for i in range(n)] for kind in kinds}


def record_set(
    n: int, seeds: tuple[int, int], null_paths: int = 400, vol_days: int = 4
) -> OracleSet:
    """Both oracles on `n` scenarios of each kind of one calibration set."""
    scen = scenarios_of(n, seeds[0])
    out = OracleSet(change={k: [s.change_day for s in v] for k, v in scen.items()})
    rng = np.random.default_rng(seeds[1])
    index: dict[Key, int] = {}
    for s in scen["decay"]:  # the null draws of _oracle_hits, in its order
        key = (s.params.mu, s.params.omega, s.regime.vol_ratio)
        if key in index:
            continue
        index[key] = len(out.keys)
        out.keys.append(key)
        live, h0 = sc.healthy_paths(s.params, null_paths, rng)
        out.null_decay += sc.oracle_statistic(s.params, s.regime, live, h0).max(axis=1).tolist()
        out.null_crash += crash_statistic(s.params, live, h0, vol_days).max(axis=1).tolist()
        out.null_key += [index[key]] * null_paths
    for kind, group in scen.items():
        for i, s in enumerate(group):
            key = decay_key(s.params, i)
            regime = s.regime if kind == "decay" else sc.decay_regime(s.params, key[2])
            h0 = np.array([sc.true_variance_before(s.params, s.backtest)])
            dstat = sc.oracle_statistic(s.params, regime, s.live[None, :], h0)[0]
            cstat = crash_statistic(s.params, s.live[None, :], h0, vol_days)[0]
            c = s.change_day or 0
            if kind == "healthy":
                out.healthy_key.append(index[key])
                out.healthy_decay.append(float(dstat.max()))
                out.healthy_crash.append(float(cstat.max()))
            elif kind == "decay":
                out.decay_key.append(index[key])
                out.decay_d60.append(float(dstat[c : c + 60].max()))
                out.decay_dyear.append(float(dstat[c:].max()))
                out.decay_c60.append(float(cstat[c : c + 60].max()))
                out.decay_cyear.append(float(cstat[c:].max()))
            else:
                out.crash_key.append(index[key])
                out.crash_d5.append(float(dstat[c : c + 5].max()))
                out.crash_c5.append(float(cstat[c : c + 5].max()))
    return out


def _limits(null_max: np.ndarray, null_key: np.ndarray, keys: int, budget: float) -> np.ndarray:
    """Per true model: the threshold at which the null maxima alarm at rate `budget`
    (as `_oracle_hits`: the 1 − budget quantile; no alarm at budget 0)."""
    if budget <= 0:
        return np.full(keys, math.inf)
    return np.array([np.quantile(null_max[null_key == k], 1 - budget) for k in range(keys)])


@dataclass
class _Prepared:
    a: dict[str, np.ndarray]
    keys: int
    decay_limits: dict[float, np.ndarray]
    crash_limits: dict[float, np.ndarray]


def _prepare(sets: list[OracleSet], budgets: tuple[float, ...]) -> list[_Prepared]:
    out = []
    for s in sets:
        a = s.arrays()
        k = len(s.keys)
        out.append(
            _Prepared(
                a,
                k,
                {b: _limits(a["null_decay"], a["null_key"], k, b) for b in budgets},
                {b: _limits(a["null_crash"], a["null_key"], k, b) for b in budgets},
            )
        )
    return out


def desk_counts(
    sets: list[OracleSet], b_crash: float, b_decay: float, *, _prep: list[_Prepared] | None = None
) -> dict[str, tuple[int, int]]:
    """(hits, total) pooled over `sets` for the desk of the two oracles at budgets
    (b_crash, b_decay), each set with its own thresholds; the desk's healthy rate on the
    null paths (`healthy`, the union) and on the healthy scenarios (`healthy_scenarios`),
    each oracle alone on the null paths, and the labelled shares."""
    prep = _prep or _prepare(sets, (b_crash, b_decay))
    acc: dict[str, list[int]] = {}

    def add(name: str, hits: np.ndarray) -> None:
        k, n = acc.setdefault(name, [0, 0])
        acc[name] = [k + int(hits.sum()), n + hits.size]

    for p in prep:
        a = p.a
        td = p.decay_limits.get(b_decay)
        tc = p.crash_limits.get(b_crash)
        if td is None:
            td = _limits(a["null_decay"], a["null_key"], p.keys, b_decay)
        if tc is None:
            tc = _limits(a["null_crash"], a["null_key"], p.keys, b_crash)
        nd, nc = a["null_decay"] >= td[a["null_key"]], a["null_crash"] >= tc[a["null_key"]]
        add("healthy", nd | nc)
        add("healthy_decay_oracle", nd)
        add("healthy_crash_oracle", nc)
        hk = a["healthy_key"]
        add("healthy_scenarios", (a["healthy_decay"] >= td[hk]) | (a["healthy_crash"] >= tc[hk]))
        dk, ck = a["decay_key"], a["crash_key"]
        add("crash_5d", (a["crash_d5"] >= td[ck]) | (a["crash_c5"] >= tc[ck]))
        add("decay_60d", (a["decay_d60"] >= td[dk]) | (a["decay_c60"] >= tc[dk]))
        add("decay_year", (a["decay_dyear"] >= td[dk]) | (a["decay_cyear"] >= tc[dk]))
        add("decay_oracle_60d", a["decay_d60"] >= td[dk])
    return {k: (v[0], v[1]) for k, v in acc.items()}


def oracle_decay_60d(
    sets: list[OracleSet], fa: float, *, _prep: list[_Prepared] | None = None
) -> tuple[int, int]:
    """The bench's denominator: decays flagged within 60 days by the decay oracle alone
    at false-alarm rate `fa` (per set, as `_oracle_hits` with that set's oracle seed)."""
    k = n = 0
    for p in _prep or _prepare(sets, ()):
        a = p.a
        td = _limits(a["null_decay"], a["null_key"], p.keys, fa)
        hits = a["decay_d60"] >= td[a["decay_key"]]
        k, n = k + int(hits.sum()), n + hits.size
    return k, n


def _shares(
    sets: list[OracleSet],
    bc: float,
    bd: float,
    prep: list[_Prepared],
    cache: dict[float, tuple[int, int]],
) -> dict[str, Any]:
    counts = desk_counts(sets, bc, bd, _prep=prep)
    out: dict[str, Any] = {"b_crash": bc, "b_decay": bd}
    for name, (k, n) in counts.items():
        out[name] = k / n
        out[f"{name}_ci95"] = wilson(k, n)
    for measure, suffix in (("healthy", ""), ("healthy_scenarios", "_scenarios")):
        fa = out[measure]
        if fa not in cache:
            cache[fa] = oracle_decay_60d(sets, fa, _prep=prep)
        ok, on = cache[fa]
        out[f"oracle_60d_at_H{suffix}"] = ok / on
        out[f"power_ratio{suffix}"] = out["decay_60d"] / (ok / on) if ok else math.nan
    return out


def frontier(sets: list[OracleSet], budgets: tuple[float, ...] = BUDGETS) -> list[dict[str, Any]]:
    """The desk's shares at every split (b_crash, b_decay) on the budget grid."""
    prep = _prepare(sets, budgets)
    cache: dict[float, tuple[int, int]] = {}
    return [_shares(sets, bc, bd, prep, cache) for bc in budgets for bd in budgets]


def bound(
    sets: list[OracleSet],
    caps: tuple[float, ...] = (0.08, 0.09, 0.10, 0.12, 0.15),
    *,
    budgets: tuple[float, ...] = BUDGETS,
    targets: dict[str, float] = TARGETS,
    grid: list[dict[str, Any]] | None = None,
    measure: str = "healthy",
) -> list[dict[str, Any]]:
    """Per healthy cap H (`measure`: the union on the null paths, or "healthy_scenarios"
    for the labelled healthy scenarios): the split with the best worst margin
    against `targets` (ties: the larger sum), whether any split meets all of them, and the
    best each share reaches on its own at ≤ H (possibly at different splits)."""
    rows = grid if grid is not None else frontier(sets, budgets)
    if measure == "healthy_scenarios":  # H and the ratio's denominator as the bench
        # measures perfdesk: on the labelled healthy scenarios
        rows = [
            r
            | {
                "healthy": r["healthy_scenarios"],
                "oracle_60d_at_H": r["oracle_60d_at_H_scenarios"],
                "power_ratio": r["power_ratio_scenarios"],
            }
            for r in rows
        ]
    out = []
    for cap in caps:
        fits = [r for r in rows if r["healthy"] <= cap + 1e-12]

        def margins(r: dict[str, Any]) -> tuple[float, float]:
            m = [r[k] - v if r[k] == r[k] else -math.inf for k, v in targets.items()]
            return min(m), sum(m)

        best = max(fits, key=margins)
        floor = [r for r in fits if r["crash_5d"] >= targets["crash_5d"]]
        out.append(
            {
                "cap": cap,
                "best": best,
                "worst_margin": margins(best)[0],
                "any_meets_all": any(margins(r)[0] >= 0 for r in fits),
                "max_alone": {
                    k: max(r[k] for r in fits if r[k] == r[k]) for k in (*targets, "decay_60d")
                },
                # with crashes held at their target: the best ratio and its split's shares
                "crash_floor": max(floor, key=lambda r: r["power_ratio"]) if floor else None,
            }
        )
    return out


def perfdesk_frontier(
    recs: list[Any], caps: tuple[float, ...], *, crash_floor: float | None = None
) -> dict[float, dict[str, float] | None]:
    """Perfdesk's rules on the same calibration sets (`validate_tune` recordings), the
    best split at each cap: the fourth round's grids, or with crashes ≥ `crash_floor`
    held as a floor (the wider `daily_loss` grid of that run)."""
    from perfdesk.bench import validate_tune as vt
    from perfdesk.domain.thresholds import Thresholds

    pool = vt.pooled(recs)
    warn0 = vt.as_levels(Thresholds())[0]
    low = 2e-4 if crash_floor is not None else 4.5e-4
    high, count = (1.5e-3, 13) if crash_floor is not None else (8e-4, 9)
    grids = {
        "daily_loss": list(np.geomspace(low, high, count)),
        "sharpe_decay": list(np.geomspace(0.005, 0.1, 15)),
        "cusum": list(np.geomspace(0.02, 0.15, 15)),
        "regime_cusum": list(np.geomspace(0.015, 0.15, 15)),
    }
    out: dict[float, dict[str, float] | None] = {}
    for cap in caps:
        if crash_floor is None:
            got = vt.choose(pool, grids, warn0, cap)
        else:
            got = vt.choose(
                pool,
                grids,
                warn0,
                cap,
                floors={"crash_5d": crash_floor},
                targets={"decay_year": 0.85, "power_ratio": 0.85},
            )
        out[cap] = None if got is None else got[1]
    return out


def _pct(x: float) -> str:
    return f"{100 * x:.1f}"


def _ci(r: dict[str, Any], name: str) -> str:
    lo, hi = r[f"{name}_ci95"]
    return f"{_pct(r[name])} [{_pct(lo)}, {_pct(hi)}]"


def table(rows: list[dict[str, Any]], ours: dict[float, dict[str, float] | None]) -> str:
    """The bound per cap in markdown, perfdesk's best split at the same cap beside it."""
    head = (
        "| H cap | split b_c / b_d | H union (crash / decay alone) | H on healthy scenarios "
        "| crashes 5 d | decays 60 d | oracle 60 d at H | power ratio | decays year end "
        "| all three met | perfdesk (H, crashes, 60 d, year end, ratio) |"
    )
    lines = [head, "|" + "---|" * 11]
    for row in rows:
        r = row["best"]
        p = ours.get(row["cap"])
        mine = (
            "—"
            if p is None
            else f"{_pct(p['healthy_warning'])}, {_pct(p['crash_5d'])}, {_pct(p['decay_60d'])}, "
            f"{_pct(p['decay_year'])}, {p['power_ratio']:.2f}"
        )
        lines.append(
            f"| {_pct(row['cap'])} % | {_pct(r['b_crash'])} / {_pct(r['b_decay'])} % "
            f"| {_pct(r['healthy'])} ({_pct(r['healthy_crash_oracle'])} / "
            f"{_pct(r['healthy_decay_oracle'])}) | {_ci(r, 'healthy_scenarios')} "
            f"| {_ci(r, 'crash_5d')} | {_ci(r, 'decay_60d')} | {_pct(r['oracle_60d_at_H'])} "
            f"| {r['power_ratio']:.2f} | {_ci(r, 'decay_year')} "
            f"| {'yes' if row['any_meets_all'] else 'no'} "
            f"(worst margin {row['worst_margin']:+.3f}) "
            f"| {mine} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """`python -m perfdesk.bench.validate_bound [--n 150] [--recordings DIR]`: the bound
    on the four calibration sets, with perfdesk's frontier on the same scenarios (from
    `validate_tune.record` pickles in DIR named r4_<seed>.pkl, recorded if absent)."""
    import argparse
    import json
    import pickle
    import time
    from pathlib import Path

    from perfdesk.bench import validate_tune as vt

    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=150)
    ap.add_argument("--null-paths", type=int, default=400)
    ap.add_argument("--vol-days", type=int, default=0)
    ap.add_argument("--recordings", type=Path, default=None)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    caps = (0.08, 0.09, 0.10, 0.12, 0.15)
    t0 = time.perf_counter()
    sets = [record_set(args.n, s, args.null_paths, args.vol_days) for s in CALIBRATION_SEEDS]
    t1 = time.perf_counter()
    results = {m: bound(sets, caps, measure=m) for m in ("healthy", "healthy_scenarios")}
    t2 = time.perf_counter()
    print(f"oracles recorded in {t1 - t0:.0f} s, bound searched in {t2 - t1:.0f} s", flush=True)
    ours: dict[float, dict[str, float] | None] = {}
    floor: dict[float, dict[str, float] | None] = {}
    if args.recordings is not None:
        recs = []
        for a, b in CALIBRATION_SEEDS:
            path = args.recordings / f"r4_{a}.pkl"
            if not path.exists():
                with path.open("wb") as f:
                    pickle.dump(vt.record(args.n, 1000, (a, b)), f)
            with path.open("rb") as f:
                recs.append(pickle.load(f))
        ours = perfdesk_frontier(recs, caps)
        floor = perfdesk_frontier(recs, caps, crash_floor=TARGETS["crash_5d"])
        print(f"perfdesk frontiers in {time.perf_counter() - t2:.0f} s", flush=True)
    for measure, rows in results.items():
        print(f"\nH measured on: {measure}")
        print(table(rows, ours))
        for row in rows:
            cf = row["crash_floor"]
            fl = floor.get(row["cap"])
            print(
                f"cap {_pct(row['cap'])} %: best alone "
                + ", ".join(f"{k} {v:.3f}" for k, v in row["max_alone"].items())
                + (
                    ""
                    if cf is None
                    else f"; crashes >= 70 %: ratio {cf['power_ratio']:.3f} at split "
                    f"{_pct(cf['b_crash'])} / {_pct(cf['b_decay'])} % (H {_pct(cf['healthy'])}, "
                    f"60 d {_pct(cf['decay_60d'])}, year end {_pct(cf['decay_year'])}, "
                    f"crashes {_pct(cf['crash_5d'])})"
                )
                + ("" if fl is None else f"; perfdesk with the crash floor: {json.dumps(fl)}")
            )
    if args.json is not None:
        args.json.write_text(json.dumps({"bound": results, "perfdesk": ours, "floor": floor}))


if __name__ == "__main__":
    main()
