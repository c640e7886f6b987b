"""`perfdesk bench validate` parts run on a tiny scale and report what the issue asks for
(figures are not asserted: speed belongs to the benchmark, not to tests)."""

from __future__ import annotations

import math

from perfdesk.bench import validate as bench


def test_cycle_and_latency_parts_report_their_keys() -> None:
    cycle = bench.cycle_benchmark(3, cycles=2)
    assert cycle["cycle_strategies"] == 3 and cycle["cycle_ms_200"] > 0
    latency = bench.latency_benchmark(strategies=3, seconds=2.0)
    assert latency["detect_latency_detected"] == "3/3"  # every break changed a verdict
    assert latency["detect_latency_s_p99"] >= latency["detect_latency_s_p50"] >= 0


def test_power_study_reports_shares_with_intervals() -> None:
    out = bench.power_study(1, 100, null_paths=30)
    for key in [
        "healthy_ever_critical_share",
        "healthy_ever_warning_share",
        "crash_warned_5d_share",
        "decay_flagged_60d_share",
        "oracle_decay_flagged_60d_share",
    ]:
        assert 0.0 <= out[key] <= 1.0
        lo, hi = out[f"{key}_ci95"]
        assert lo <= out[key] <= hi
    assert "power_ratio_60d" in out and (
        math.isnan(out["power_ratio_60d"]) or out["power_ratio_60d"] >= 0
    )


def test_tuning_levels_reproduce_the_validators_statuses() -> None:
    """Offline re-grading (perfdesk.bench.validate_tune) is only honest if, at the
    shipped thresholds, a rule's level says exactly what the validator said."""
    import numpy as np

    from perfdesk.analytics import scenarios as sc
    from perfdesk.analytics.profile import expectations_from_backtest
    from perfdesk.analytics.replay import replay
    from perfdesk.bench import validate_tune as vt
    from perfdesk.domain.thresholds import Thresholds

    rng = np.random.default_rng(7)
    warn, crit = vt.as_levels(Thresholds())
    checked = 0
    for kind in ("decay", "crash"):
        s = sc.make_scenario(kind, 1, rng)
        exp = expectations_from_backtest(s.backtest, n_paths=200, seed=1)
        verdicts = replay(s.live, exp)
        levels = vt.levels(verdicts, exp)
        for t, verdict in enumerate(verdicts):
            for i, name in enumerate(vt.LEVEL_RULES):
                result = verdict.rule(name)
                if result is None or result.status.severity < 1:
                    continue
                lv = levels[i, t]
                expected = 3 if lv <= crit[i] else 2 if lv <= warn[i] else 1
                assert result.status.severity == expected, (name, t, lv)
                checked += 1
    assert checked > 1000


def test_choose_keeps_the_healthy_cap_and_prefers_the_split_that_detects() -> None:
    """A synthetic recording: rule `cusum` sees decays (level 0.01 after the change) and
    warns on one healthy strategy in ten (level 0.05 there); rule `sharpe_decay` is pure
    noise (level 0.02 on a third of the healthy strategies). Under a 10 % cap the search
    must keep `cusum` at ≥ 0.01 and hold `sharpe_decay` below 0.02."""
    import numpy as np

    from perfdesk.bench import validate_tune as vt

    rules, days = len(vt.LEVEL_RULES), 50
    cu, sd = vt.LEVEL_RULES.index("cusum"), vt.LEVEL_RULES.index("sharpe_decay")
    rec = vt.Recorded()
    healthy = []
    for i in range(30):
        lv = np.ones((rules, days))
        lv[cu, 40] = 0.05 if i % 10 == 0 else 1.0
        lv[sd, 30] = 0.02 if i % 3 == 0 else 1.0
        healthy.append(lv)
    decays = []
    for _ in range(30):
        lv = np.ones((rules, days))
        lv[cu, 25:] = 0.01
        decays.append(lv)
    rec.levels = {"healthy": healthy, "decay": decays, "crash": [np.ones((rules, days))] * 30}
    rec.change = {"healthy": [None] * 30, "decay": [20] * 30, "crash": [20] * 30}
    key = (0.0, 1.0, 1.2)
    rec.oracle_null = {key: np.linspace(0, 10, 101)}
    rec.oracle_60d, rec.oracle_key = [20.0] * 30, [key] * 30  # the oracle catches all
    grids = {"cusum": [0.005, 0.01, 0.05], "sharpe_decay": [0.01, 0.02, 0.05]}
    chosen = vt.choose(rec, grids, np.zeros(rules), cap=0.10)
    assert chosen is not None
    levels, shares = chosen
    assert levels["cusum"] >= 0.01 and levels["sharpe_decay"] < 0.02
    assert shares["healthy_warning"] <= 0.10 and shares["decay_year"] == 1.0
    assert vt.choose(rec, {"sharpe_decay": [0.05]}, np.full(rules, 0.5), cap=0.10) is None
    # A floor on crashes: nothing here catches a crash, so no split meets a floor above 0.
    assert vt.choose(rec, grids, np.zeros(rules), cap=0.10, floors={"crash_5d": 0.5}) is None
    floored = vt.choose(rec, grids, np.zeros(rules), cap=0.10, floors={"crash_5d": 0.0})
    assert floored is not None and floored[0] == levels


def test_pooled_sets_keep_every_sets_null_paths_of_a_model() -> None:
    """The oracle's limit for a true model seen in two sets comes from both sets' null
    paths, not from whichever set was pooled last."""
    import numpy as np

    from perfdesk.bench import validate_tune as vt

    key = (0.1, 0.2, 0.3)
    low = vt.Recorded(oracle_60d=[5.0], oracle_key=[key], oracle_null={key: np.arange(100.0)})
    high = vt.Recorded(
        oracle_60d=[150.0], oracle_key=[key], oracle_null={key: np.arange(100.0, 200.0)}
    )
    pooled = vt.pooled([low, high])
    assert pooled.oracle_null[key].tolist() == list(np.arange(200.0))
    assert low.oracle_null[key].size == high.oracle_null[key].size == 100  # inputs untouched
    # limit at 10 %: the 90 % quantile of 0..199 (179.1): neither decay reaches it; with
    # the last set's null alone (189.1) the same; at 60 % (limit 79.6) only the second
    assert vt.oracle_share(pooled, 0.10) == 0.0
    assert vt.oracle_share(pooled, 0.60) == 0.5
    assert vt.oracle_share(vt.pooled([high, low]), 0.60) == 0.5  # order does not matter
