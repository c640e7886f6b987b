"""Where perfdesk's decay detectors lose to the oracle (calibration seeds only).

The fifth round (docs/validation.md) found that crashes in 5 days ≥ 70 % together with
decays by year end ≥ 85 % are reachable by an oracle pair at a healthy rate of ≈9–10 %,
while perfdesk's rules, with crashes held at 70 %, reach ≈82 % by year end at 10 %. This
module splits that gap for the sixth round:

- **alternative filtered-CUSUM charts** (`record_charts`): the regime CUSUM's statistic
  (`drift.filtered_cusum_paths`) for several alternatives (mean shift, volatility ratio),
  on the same scenarios and the same simulated healthy paths as `validate_tune.record`
  (the fitted model, `garch.simulate` with `seed = i` and parameter uncertainty), so that
  a bank of charts (their maximum, calibrated on its own null maximum) can replace the
  recorded `regime_cusum` levels (`with_regime_bank`) and go through
  `validate_tune.choose` unchanged;
- **the matched chart** (`matched_levels`): one filtered CUSUM whose alternative is the
  scenario's own post-change law (mean −k/√40 sd, volatility ×k, k the decay scenario's
  ratio), run with the *true* parameters or with the *fitted* ones (null with or without
  parameter uncertainty). Its year-end share at a budget read on the healthy scenarios
  separates what knowing the parameters is worth from what the detector design is worth.

Only calibration seeds are used (`validate_bound.CALIBRATION_SEEDS`).
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

import numpy as np

from perfdesk.analytics import drift, garch
from perfdesk.analytics import scenarios as sc
from perfdesk.analytics.profile import _quantiles
from perfdesk.analytics.rules._common import exceedance
from perfdesk.bench import validate_tune as vt
from perfdesk.bench.validate_bound import scenarios_of

Chart = tuple[float, float]  # (mean shift in sd, volatility ratio)
SHIPPED: Chart = (drift.FILTERED_SHIFT_SD, drift.FILTERED_VOL_RATIO)
CHARTS: tuple[Chart, ...] = tuple((s, k) for k in (1.2, 1.35, 1.5) for s in (0.15, 0.2))
"""The sixth round's alternatives (the shipped (0.15, 1.5) among them)."""


@dataclass
class ChartSet:
    """Per kind and scenario: null maxima (paths, charts), live running values (days,
    charts) and the change day, for `charts`."""

    charts: tuple[Chart, ...]
    nulls: dict[str, list[np.ndarray]] = field(default_factory=dict)
    live: dict[str, list[np.ndarray]] = field(default_factory=dict)
    change: dict[str, list[int | None]] = field(default_factory=dict)


def record_charts(
    n: int, seed: int, charts: tuple[Chart, ...] = CHARTS, paths: int = 1000
) -> ChartSet:
    """The charts on the `n` scenarios of each kind that `validate_tune.record(n, paths,
    (seed, …))` replays, calibrated as its profiles are (same fit, same simulated paths)."""
    out = ChartSet(charts)
    for kind, group in scenarios_of(n, seed).items():
        nulls, live = out.nulls.setdefault(kind, []), out.live.setdefault(kind, [])
        out.change[kind] = [s.change_day for s in group]
        for i, s in enumerate(group):
            p = garch.fit_garch_t(s.backtest)
            sims = garch.simulate(
                p, paths, 252, np.random.default_rng(i), estimated_from=s.backtest.size
            )
            nulls.append(
                np.stack([drift.filtered_cusum_paths(p, sims, *c).max(axis=1) for c in charts], 1)
            )
            live.append(
                np.stack([drift.filtered_cusum_paths(p, s.live[None], *c)[0] for c in charts], 1)
            )
    return out


def bank_levels(nulls: np.ndarray, live: np.ndarray, idx: list[int]) -> np.ndarray:
    """Daily levels (as `validate_tune.levels` records them) of the maximum of the charts
    `idx`, calibrated on that maximum's null: the verdict of day t has seen the returns
    up to day t − 1, so day 0 reads 1 (no finished live day)."""
    q = _quantiles(nulls[:, idx].max(axis=1))
    value = live[:, idx].max(axis=1)
    return np.concatenate(([1.0], [exceedance(q, float(v)) for v in value[:-1]]))


def with_regime_bank(rec: vt.Recorded, charts: ChartSet, idx: list[int]) -> vt.Recorded:
    """`rec` with the `regime_cusum` levels replaced by the bank `idx` of `charts` (the
    same scenarios: `record_charts` with `rec`'s scenario seed and size)."""
    row = vt.LEVEL_RULES.index("regime_cusum")
    out = copy.copy(rec)
    out.levels = {}
    for kind, levels in rec.levels.items():
        new = []
        for old, nulls, live in zip(levels, charts.nulls[kind], charts.live[kind], strict=True):
            lv = old.copy()
            lv[row] = bank_levels(nulls, live, idx)
            new.append(lv)
        out.levels[kind] = new
    return out


def matched_chart(index: int) -> Chart:
    """The scenario law's own alternative for scenario `index` (as `decay_regime`: the
    mean falls by σ_post/√40 = k/√40 sd, volatility ×k)."""
    k = sc.VOL_RATIOS[(index // 4) % 3]
    return (k / math.sqrt(40.0), k)


MODES = ("true", "fitted", "plug-in")


def matched_levels(n: int, seed: int, paths: int = 1000) -> dict[str, dict[str, np.ndarray]]:
    """Per mode and kind (healthy, decay): the level of the matched chart's maximum over
    the live year (healthy) or from the change on (decay). Modes: `true` — the true
    parameters, null simulated from them (no estimation); `fitted` — the backtest's fit,
    null with parameter uncertainty (perfdesk's calibration); `plug-in` — the fit, null
    simulated from it as if it were true. Each scenario's null uses `seed = index`."""
    scen = scenarios_of(n, seed)
    out: dict[str, dict[str, list[float]]] = {m: {} for m in MODES}
    for kind in ("healthy", "decay"):
        for i, s in enumerate(scen[kind]):
            chart = matched_chart(i)
            fit = garch.fit_garch_t(s.backtest)
            for mode, p, est in (
                ("true", s.params, None),
                ("fitted", fit, s.backtest.size),
                ("plug-in", fit, None),
            ):
                rng = np.random.default_rng(i)
                sims = garch.simulate(p, paths, 252, rng, estimated_from=est)
                q = _quantiles(drift.filtered_cusum_paths(p, sims, *chart).max(axis=1))
                stat = drift.filtered_cusum_paths(p, s.live[None], *chart)[0]
                level = exceedance(q, float(stat[s.change_day or 0 :].max()))
                out[mode].setdefault(kind, []).append(level)
    return {m: {k: np.array(v) for k, v in d.items()} for m, d in out.items()}


def year_share(healthy: np.ndarray, decay: np.ndarray, budget: float) -> tuple[float, float]:
    """(healthy share, decay share) alarming when the threshold is the `budget` quantile
    of the healthy levels (the budget read on the healthy scenarios themselves)."""
    th = float(np.quantile(healthy, budget))
    return float(np.mean(healthy <= th)), float(np.mean(decay <= th))


@dataclass(frozen=True)
class DeskShare:
    """A desk of `daily_loss` (the crash rule) and one decay chart, on the same scenarios."""

    decay_year: float
    healthy: float
    crash_5d: float
    daily_loss: float
    chart_healthy: float


def desk_year_share(
    rec: vt.Recorded,
    healthy: np.ndarray,
    decay: np.ndarray,
    *,
    cap: float,
    crash_floor: float,
    grid: np.ndarray | None = None,
) -> DeskShare | None:
    """The most decays by year end a desk of perfdesk's `daily_loss` and a decay chart
    (its year levels `healthy`/`decay`, per scenario of `rec` in the same order, as
    `matched_levels` gives them) flags when the union of the two warns on at most `cap`
    of the healthy scenarios and `daily_loss` warns on at least `crash_floor` of the
    crashes within 5 days. Each `daily_loss` level of `grid` gets the chart's largest
    threshold its budget leaves. None when no grid level holds the floor."""
    row = vt.LEVEL_RULES.index("daily_loss")

    def lowest(kind: str, days: int = 10_000) -> np.ndarray:
        changes = rec.change[kind]
        return np.array(
            [
                lv[row, (c or 0) : (c or 0) + days].min()
                for lv, c in zip(rec.levels[kind], changes, strict=True)
            ]
        )

    dl_h, dl_d, dl_c = lowest("healthy"), lowest("decay"), lowest("crash", 5)
    if dl_h.size != healthy.size or dl_d.size != decay.size:
        raise ValueError("the chart's levels are not those of the recording's scenarios")
    best: DeskShare | None = None
    for level in np.geomspace(2e-4, 1.5e-3, 37) if grid is None else grid:
        crash = float(np.mean(dl_c <= level))
        if crash < crash_floor:
            continue
        th = -1.0  # the chart silent
        for t in np.sort(healthy)[::-1]:
            if np.mean((dl_h <= level) | (healthy <= t)) <= cap:
                th = float(t)
                break
        share = DeskShare(
            decay_year=float(np.mean((dl_d <= level) | (decay <= th))),
            healthy=float(np.mean((dl_h <= level) | (healthy <= th))),
            crash_5d=crash,
            daily_loss=float(level),
            chart_healthy=float(np.mean(healthy <= th)),
        )
        if share.healthy <= cap and (best is None or share.decay_year > best.decay_year):
            best = share
    return best
