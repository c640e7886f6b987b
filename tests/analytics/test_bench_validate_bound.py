"""The oracle bound of `perfdesk/bench/validate_bound.py` on a tiny calibration set:
its crash oracle is the true conditional tail, its decay oracle is the bench's, the desk's
healthy rate is a union, and budgets only ever add detections."""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import pytest
from scipy import stats

from perfdesk.analytics import scenarios as sc
from perfdesk.analytics.garch import conditional_variance
from perfdesk.bench import validate as bench
from perfdesk.bench import validate_bound as vb

SEEDS = vb.CALIBRATION_SEEDS[0]
N, NULL = 8, 60


@cache
def _set() -> vb.OracleSet:
    return vb.record_set(N, SEEDS, null_paths=NULL, vol_days=0)


def test_crash_oracle_reads_the_true_conditional_tail() -> None:
    p = sc.true_params(1)
    live, h0 = sc.healthy_paths(p, 5, np.random.default_rng(5))
    live[2, 30] = p.mu - sc.CRASH_SIGMAS * math.sqrt(p.unconditional_variance)
    tail = vb.crash_statistic(p, live, h0, vol_days=0)
    h = np.stack([conditional_variance(p, live[i], h0[i])[:-1] for i in range(5)])
    z = (live - p.mu) / np.sqrt(h) * math.sqrt(p.nu / (p.nu - 2))
    assert np.allclose(tail, -np.log(stats.t.cdf(z, p.nu)))
    assert tail[2, 30] > 7  # a 6-sigma loss is rarer than 1e-3 on a calm day
    with_vol = vb.crash_statistic(p, live, h0, vol_days=3)
    assert (with_vol >= tail - 1e-12).all() and np.allclose(with_vol[:, 0], tail[:, 0])
    assert not np.allclose(with_vol, tail)


def test_decay_oracle_share_is_the_benchs() -> None:
    rec = _set()
    decays = vb.scenarios_of(N, SEEDS[0])["decay"]
    for b in (0.05, 0.1, 0.25):
        hits = bench._oracle_hits(decays, b, np.random.default_rng(SEEDS[1]), NULL)
        assert vb.oracle_decay_60d([rec], b) == (sum(hits), N)
        # the desk with the crash oracle switched off: its decay oracle is the same one
        assert vb.desk_counts([rec], 0.0, b)["decay_oracle_60d"] == (sum(hits), N)


def test_union_budgets_and_monotone_shares() -> None:
    rec = _set()
    budgets = (0.0, 0.05, 0.1, 0.2)
    grid = {(bc, bd): vb.desk_counts([rec], bc, bd) for bc in budgets for bd in budgets}

    def share(bc: float, bd: float, name: str) -> float:
        k, n = grid[bc, bd][name]
        return k / n

    for (bc, bd), counts in grid.items():
        crash_alone = share(bc, bd, "healthy_crash_oracle")
        decay_alone = share(bc, bd, "healthy_decay_oracle")
        union = share(bc, bd, "healthy")
        assert max(crash_alone, decay_alone) <= union <= crash_alone + decay_alone + 1e-12
        # each oracle alone spends its budget on the null paths (per true model, to
        # within one path of the quantile)
        assert abs(crash_alone - bc) <= 1 / NULL + 1e-12
        assert abs(decay_alone - bd) <= 1 / NULL + 1e-12
        assert counts["healthy"][1] == len(rec.null_key)
        for name in ("healthy", "healthy_scenarios", "crash_5d", "decay_60d", "decay_year"):
            for bigger in (b for b in budgets if b > bc):
                assert share(bigger, bd, name) >= share(bc, bd, name)
            for bigger in (b for b in budgets if b > bd):
                assert share(bc, bigger, name) >= share(bc, bd, name)
    assert share(0.0, 0.0, "healthy") == 0.0 and share(0.0, 0.0, "crash_5d") == 0.0


def test_bound_keeps_the_cap_and_reports_the_benchs_ratio() -> None:
    rec = _set()
    budgets = (0.0, 0.05, 0.1, 0.2)
    rows = vb.bound([rec], (0.1, 0.3), budgets=budgets)
    grid = vb.frontier([rec], budgets)
    assert len(grid) == len(budgets) ** 2
    for row in rows:
        best = row["best"]
        assert best["healthy"] <= row["cap"] + 1e-12
        assert row["any_meets_all"] == (row["worst_margin"] >= 0)
        k, n = vb.oracle_decay_60d([rec], best["healthy"])
        assert best["oracle_60d_at_H"] == pytest.approx(k / n)
        if k:
            assert best["power_ratio"] == pytest.approx(best["decay_60d"] * n / k)
        assert all(row["max_alone"][key] >= best[key] for key in ("crash_5d", "decay_year"))
        lo, hi = best["crash_5d_ci95"]
        assert lo <= best["crash_5d"] <= hi
    # a looser cap can only do better
    assert rows[1]["worst_margin"] >= rows[0]["worst_margin"]
    on_scenarios = vb.bound([rec], (0.3,), budgets=budgets, grid=grid, measure="healthy_scenarios")
    assert on_scenarios[0]["best"]["healthy"] <= 0.3 + 1e-12
