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
