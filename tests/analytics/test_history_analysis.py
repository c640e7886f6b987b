"""history_analysis: the parts computed from hand-made histories with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from perfdesk.analytics import history_analysis as ha
from perfdesk.analytics.history_cone import bootstrap_paths, cone
from perfdesk.analytics.history_gap import decompose, expected_return
from perfdesk.analytics.history_replay import replay_history
from perfdesk.analytics.history_types import DailyBars, HistoryInput
from perfdesk.analytics.profile import expectations_from_backtest
from perfdesk.domain.expectations import Expectations
from perfdesk.domain.status import Status
from perfdesk.domain.thresholds import DailyLossThresholds, Thresholds

DAY = 86_400.0
D0 = 20_454 * DAY  # 2026-01-01


def bars(close: list[float], open_: list[float] | None = None, **cols: list[float]) -> DailyBars:
    n = len(close)
    zeros = [0.0] * n
    return DailyBars(
        day=D0 + DAY * np.arange(n),
        open=np.array(open_ or close, dtype=float),
        close=np.array(close, dtype=float),
        fees=np.array(cols.get("fees", zeros)),
        slippage_cost=np.array(cols.get("slippage_cost", zeros)),
        slippage_notional=np.array(cols.get("slippage_notional", zeros)),
        notional=np.array(cols.get("notional", zeros)),
        fills=np.array(cols.get("fills", zeros)),
    )


def test_daily_returns_start_from_the_first_open_and_carry_fill_only_days() -> None:
    daily = bars([110.0, math.nan, 121.0], open_=[100.0, math.nan, 115.0])
    np.testing.assert_allclose(ha.daily_returns(daily), [0.10, 0.0, 0.10])


def test_underwater_and_top_drawdowns_of_a_known_path() -> None:
    t = D0 + 60.0 * np.arange(7)
    equity = np.array([100, 120, 90, 120, 130, 117, 140], dtype=float)
    np.testing.assert_allclose(ha.underwater(equity), [0, 0, -0.25, 0, 0, -0.1, 0])
    top = ha.top_drawdowns(t, equity)
    assert [round(d.depth, 6) for d in top] == [-0.25, -0.1]
    assert top[0].start_ts == t[1] and top[0].valley_ts == t[2] and top[0].end_ts == t[3]


def test_cone_of_a_constant_backtest_is_exact_compounding() -> None:
    result = cone(np.full(50, 0.01), np.full(10, 0.02), paths=100)
    assert result is not None
    np.testing.assert_allclose(result.bands[2], 1.01 ** np.arange(11))
    np.testing.assert_allclose(result.live, 1.02 ** np.arange(11))
    assert result.live_percentile == 1.0


def test_bootstrap_keeps_blocks_contiguous() -> None:
    paths = bootstrap_paths(np.arange(100, dtype=float), horizon=12, paths=50, block=4, seed=1)
    steps = np.diff(paths, axis=1)[:, [0, 1, 2]]  # inside the first block
    assert np.all((steps == 1) | (steps == -99))
    assert paths.shape == (50, 12)


def test_cone_quantiles_are_ordered() -> None:
    rng = np.random.default_rng(0)
    result = cone(rng.normal(0, 0.01, 500), rng.normal(0, 0.01, 60), seed=2)
    assert result is not None
    assert np.all(np.diff(result.bands, axis=0) >= 0)
    assert 0.0 <= result.live_percentile <= 1.0


def test_gap_parts_add_up_and_price_each_cause() -> None:
    exp = Expectations(annual_return=0.252, periods_per_year=252, trades_per_day=10, slippage_bps=1)
    daily = bars(
        [1_000_000.0] * 10,
        fees=[100.0] * 10,
        slippage_cost=[300.0] * 10,
        slippage_notional=[1e6] * 10,
        fills=[5.0] * 10,
    )
    gap = decompose(daily, np.zeros(10), exp)
    assert gap is not None
    assert gap.expected_return == pytest.approx(1.252 ** (10 / 252) - 1)
    assert gap.fees == pytest.approx(1000 / 1e6)
    assert gap.slippage == pytest.approx((3000 - 1e-4 * 1e7) / 1e6)
    assert gap.missed_fills == pytest.approx(gap.expected_return * 0.5)
    total = gap.slippage + gap.fees + gap.missed_fills + gap.remainder
    assert total == pytest.approx(gap.shortfall)
    assert decompose(daily, np.zeros(10), None) is None


def test_expected_return_from_a_profile_uses_its_mean_log_growth() -> None:
    r = 0.001 + 0.005 * np.tile([1.0, -1.0], 60)
    exp = expectations_from_backtest(r, n_paths=50)
    assert expected_return(exp, 20) == pytest.approx(math.expm1(20 * np.mean(np.log1p(r))))


def test_replay_fires_once_per_rule_rise_and_counts_by_month() -> None:
    returns = np.zeros(70)
    returns[10] = -0.05  # a daily loss limit breach in January
    returns[45] = -0.05  # and one in February
    th = Thresholds(daily_loss=DailyLossThresholds(warning_loss=0.01, critical_loss=0.02))
    days = D0 + DAY * np.arange(70)
    summary = replay_history(days, returns, Expectations(), th)
    fired = [a for a in summary.fired if a.rule == "daily_loss"]
    assert [a.severity for a in fired] == [Status.CRITICAL, Status.CRITICAL]
    assert summary.per_month["2026-01"]["critical"] >= 1
    assert summary.per_month["2026-02"]["critical"] >= 1
    assert len(summary.status) == 70


def _input(expectations: Expectations | None, days: int = 90) -> HistoryInput:
    rng = np.random.default_rng(5)
    r = rng.normal(4e-4, 0.01, days)
    close = 1e6 * np.cumprod(1 + r)
    daily = bars(list(close), open_=[1e6, *close[:-1]], fills=[20.0] * days)
    t = daily.day + DAY
    return HistoryInput("s", "S", "1d", t, close, daily, expectations, go_live_ts=D0)


def test_analyze_whole_result() -> None:
    rng = np.random.default_rng(9)
    exp = expectations_from_backtest(rng.normal(5e-4, 0.01, 400), n_paths=200, trades_per_day=20)
    result = ha.analyze(_input(exp), Thresholds(), cone_paths=300)
    assert result.n_days == 90
    assert result.metrics["sharpe_ratio"] == pytest.approx(
        np.mean(result.daily_returns) / np.std(result.daily_returns, ddof=1) * math.sqrt(252)
    )
    assert result.backtest_t[-1] == D0  # the backtest ends where live begins
    assert result.backtest_equity[-1] == pytest.approx(result.equity[0])
    assert result.rolling.window == 45 and np.isfinite(result.rolling.sharpe[-1])
    assert 40 <= result.distribution.live.size <= ha.MAX_BINS
    assert 0 <= result.distribution.ks_p_value <= 1
    assert set(result.monthly) == {2026} and 2026 in result.yearly
    assert result.cone is not None and result.gap is not None and result.replay is not None
    assert result.notes == ()


def test_analyze_without_expectations_says_what_is_missing() -> None:
    result = ha.analyze(_input(None, days=10))
    assert result.cone is None and result.gap is None and result.backtest_t.size == 0
    assert len(result.notes) == 2


def test_comparison_rows() -> None:
    a = ha.analyze(_input(None), replay=False)
    rows = ha.comparison([a], ("sharpe_ratio", "max_drawdown"))
    assert rows[0]["metric"] == "sharpe_ratio" and rows[0]["s"] == a.metrics["sharpe_ratio"]


def test_threshold_sets_are_replayed_over_one_history() -> None:
    from perfdesk.analytics.history_replay import replay_threshold_sets

    data = _input(Expectations(), days=70)
    strict = Thresholds(daily_loss=DailyLossThresholds(warning_loss=0.001, critical_loss=0.002))
    test = replay_threshold_sets(data, [strict, Thresholds()])
    strict_run, default_run = test.summaries
    assert strict_run.alert_count > default_run.alert_count
    assert test.months == ("2026-01", "2026-02", "2026-03")
    assert test.t is data.t


def test_the_histogram_shows_a_live_crash_day_far_outside_the_backtest() -> None:
    rng = np.random.default_rng(4)
    backtest = rng.normal(5e-4, 0.006, 750)
    live = np.append(rng.normal(5e-4, 0.006, 60), -0.16)  # the crash day behind the alert
    d = ha.distribution(live, backtest)
    assert d.edges[0] <= -0.16 < d.edges[1]  # on the chart, in the first bin
    assert d.live[0] > 0 and d.edges.size - 1 <= ha.MAX_BINS
    body = ha.distribution(live[:-1], backtest)  # without it: about 40 bins
    assert 40 <= body.edges.size - 1 < 50  # the live days widen it a little at most
    width = body.edges[1] - body.edges[0]
    assert (d.edges[1] - d.edges[0]) == pytest.approx(width, rel=0.5)  # same resolution
