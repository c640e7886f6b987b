"""The sixth round's gap analysis (perfdesk/bench/validate_gap.py): a bank of filtered
CUSUM charts replaces the recorded regime_cusum levels faithfully, and the matched chart
is the decay scenarios' own post-change law."""

from __future__ import annotations

import math

import numpy as np

from perfdesk.analytics import drift
from perfdesk.analytics import scenarios as sc
from perfdesk.bench import validate_gap as vg
from perfdesk.bench import validate_tune as vt


def test_the_shipped_chart_reproduces_the_recorded_regime_levels_day_by_day() -> None:
    """`record_charts` calibrates as the validator's profiles do and `bank_levels` reads
    the day as the validator does: with the shipped alternative alone, the swapped levels
    equal the replayed `regime_cusum` levels of every scenario and day."""
    rec = vt.record(2, 150, (501, 502), null_paths=20)
    charts = vg.record_charts(2, 501, (vg.SHIPPED, (0.2, 1.2)), paths=150)
    swapped = vg.with_regime_bank(rec, charts, [0])
    row = vt.LEVEL_RULES.index("regime_cusum")
    for kind in ("healthy", "decay", "crash"):
        for old, new in zip(rec.levels[kind], swapped.levels[kind], strict=True):
            np.testing.assert_allclose(new[row], old[row], rtol=1e-9, atol=1e-12)
            others = [i for i in range(len(vt.LEVEL_RULES)) if i != row]
            np.testing.assert_array_equal(new[others], old[others])
    # a two-chart bank is a different statistic: it moves some level on some day
    both = vg.with_regime_bank(rec, charts, [0, 1])
    assert any(
        not np.allclose(a[row], b[row])
        for k in rec.levels
        for a, b in zip(rec.levels[k], both.levels[k], strict=True)
    )
    assert rec.levels["healthy"][0][row][0] == 1.0  # the recording is left unchanged


def test_a_bank_level_is_the_exceedance_of_its_maximum_on_its_own_null() -> None:
    rng = np.random.default_rng(0)
    nulls = rng.exponential(size=(4000, 2))
    live = np.array([[0.0, 0.0], [3.0, 0.5], [0.5, 3.0], [5.0, 0.1]])
    lv = vg.bank_levels(nulls, live, [0, 1])
    assert lv[0] == 1.0  # day 0: nothing finished yet
    both = nulls.max(axis=1)
    for day, value in ((2, 3.0), (3, 3.0)):  # either chart at 3 counts the same
        assert math.isclose(lv[day], float(np.mean(both >= value)), abs_tol=0.01)
    one = vg.bank_levels(nulls, live, [0])
    assert one[2] < lv[2]  # the same value is rarer for one chart than for the maximum


def test_the_matched_chart_is_the_decay_law_of_the_scenario() -> None:
    rng = np.random.default_rng(7)
    for i in range(12):
        s = sc.make_scenario("decay", i, rng)
        shift, k = vg.matched_chart(i)
        sd = math.sqrt(s.params.unconditional_variance)
        assert k == s.regime.vol_ratio
        assert math.isclose(s.params.mu - s.regime.mu, shift * sd, rel_tol=1e-12)


def test_year_share_spends_at_most_the_budget_on_the_healthy_levels() -> None:
    rng = np.random.default_rng(3)
    healthy, decay = rng.uniform(size=600), rng.uniform(size=600) ** 3
    for budget in (0.03, 0.05, 0.1):
        h, d = vg.year_share(healthy, decay, budget)
        assert h <= budget + 1 / 600 and d > h
    assert vg.SHIPPED == (drift.FILTERED_SHIFT_SD, drift.FILTERED_VOL_RATIO)


def test_the_desk_share_keeps_its_cap_and_floor_and_a_silent_chart_adds_nothing() -> None:
    rec = vt.record(4, 150, (503, 504), null_paths=20)
    n_h, n_d = len(rec.levels["healthy"]), len(rec.levels["decay"])
    rng = np.random.default_rng(5)
    healthy, decay = rng.uniform(size=n_h), rng.uniform(size=n_d) ** 4
    grid = np.array([1e-6, 1e-3, 0.05, 1.0])
    full = vg.desk_year_share(rec, healthy, decay, cap=0.5, crash_floor=0.0, grid=grid)
    assert full is not None
    assert full.healthy <= 0.5 and 0.0 < full.chart_healthy <= full.healthy
    silent = vg.desk_year_share(
        rec, np.ones(n_h), np.ones(n_d), cap=0.5, crash_floor=0.0, grid=grid
    )
    assert silent is not None and silent.chart_healthy == 0.0
    # a silent chart leaves the desk's decays to daily_loss alone
    row = vt.LEVEL_RULES.index("daily_loss")
    alone = np.mean(
        [
            lv[row, c:].min() <= silent.daily_loss
            for lv, c in zip(rec.levels["decay"], rec.change["decay"], strict=True)
        ]
    )
    assert silent.decay_year == alone
    assert full.decay_year >= silent.decay_year
    assert (
        vg.desk_year_share(rec, healthy, decay, cap=0.5, crash_floor=1.01, grid=grid) is None
    )  # floor unreachable
