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
