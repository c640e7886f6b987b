"""`perfdesk analyze` over five live days prints annualised figures as insufficient."""

from __future__ import annotations

import numpy as np

from .test_analyze import _run, _write


def test_five_live_days_print_needs_20(capsys, tmp_path) -> None:
    rng = np.random.default_rng(4)
    backtest = _write(tmp_path / "bt.csv", rng.normal(5e-4, 0.01, 500), "2022-01-01")
    live = _write(tmp_path / "live.csv", np.array([0.02, 0.025, 0.018, 0.022, 0.019]),
                  "2026-01-01")  # fmt: skip
    code, out, _ = _run(capsys, "--expect", str(backtest), "--live", str(live))
    assert code == 0
    rows = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    for key in ("cagr", "sharpe_ratio", "annual_volatility"):
        assert "5 days — needs 20" in rows[key], rows[key]
    assert "needs" not in rows["max_drawdown"]
