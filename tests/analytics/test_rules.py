"""Each rule on its own: statuses at the limits and the evidence it gives."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest

from perfdesk.analytics.drift import DriftTracker
from perfdesk.analytics.rules.daily_loss import daily_loss_rule
from perfdesk.analytics.rules.distribution import distribution_rule
from perfdesk.analytics.rules.drawdown import drawdown_rule
from perfdesk.analytics.rules.drift import cusum_rule, page_hinkley_rule
from perfdesk.analytics.rules.trades import (
    elapsed_days,
    slippage_rule,
    trade_frequency_rule,
    win_rate_rule,
)
from perfdesk.analytics.streaming import EquityStats
from perfdesk.domain.expectations import (
    BacktestProfile,
    DriftCalibration,
    Expectations,
    GarchParams,
    Quantiles,
)
from perfdesk.domain.status import Status
from perfdesk.domain.thresholds import (
    DailyLossThresholds,
    DistributionThresholds,
    DrawdownThresholds,
    DriftThresholds,
    SlippageThresholds,
    TradeFrequencyThresholds,
    WinRateThresholds,
)

DAY = 86_400.0
T0 = 20_000 * DAY + 72_000.0
GARCH = GarchParams(mu=0.0, omega=1e-4, alpha=0.0, beta=0.0, nu=5.0)  # constant 1 % vol


def daily_stats(returns, start_equity: float = 1e6) -> EquityStats:
    stats = EquityStats()
    equity = start_equity
    stats.update(T0 - DAY, equity)
    for i, r in enumerate(returns):
        equity *= 1 + r
        stats.update(T0 + i * DAY, equity)
    return stats


def profile(**kw) -> BacktestProfile:
    q = Quantiles(probs=(0.5, 0.96, 0.99), values=(1.0, 4.0, 6.0))
    cal = DriftCalibration(
        horizon_days=252,
        cusum_shift_sd=0.25,
        cusum_vol_ratio=1.3,
        ph_delta=0.05,
        cusum_max=q,
        ph_max=q,
    )
    base = dict(
        n_days=756,
        daily_returns=(0.0, 0.01),
        residuals=tuple(np.random.default_rng(0).standard_t(5, 756) / math.sqrt(5 / 3)),
        sharpe=1.0,
        skew=0.0,
        kurtosis=3.0,
        garch=GARCH,
        drift=cal,
    )
    return BacktestProfile(**(base | kw))


# ---- drawdown with a calibrated profile ------------------------------------------------


def test_drawdown_percentile_limits_grow_with_the_live_horizon() -> None:
    from perfdesk.domain.expectations import DrawdownCalibration

    q5 = Quantiles(probs=(0.5, 0.98, 0.995), values=(0.01, 0.03, 0.04))
    q252 = Quantiles(probs=(0.5, 0.98, 0.995), values=(0.08, 0.20, 0.25))
    exp = Expectations(
        profile=profile(drawdown=DrawdownCalibration(horizons_days=(5, 252), by_horizon=(q5, q252)))
    )
    th = DrawdownThresholds(warning_percentile=0.98, critical_percentile=0.995)
    early = drawdown_rule(daily_stats([-0.035]), exp, th)
    assert early.status is Status.WARNING
    assert early.evidence["warning_limit"] == pytest.approx(0.03, rel=0.01)
    late = daily_stats([0.0] * 251 + [-0.035])
    assert drawdown_rule(late, exp, th).status is Status.OK


# ---- distribution and drift ------------------------------------------------------------


def _tracked(returns, prof: BacktestProfile) -> tuple[EquityStats, DriftTracker]:
    stats = daily_stats([*list(returns), 0.0])
    tracker = DriftTracker.from_profile(prof)
    assert tracker is not None
    tracker.catch_up(stats.daily.values)
    return stats, tracker


def test_distribution_same_law_ok_shifted_law_critical() -> None:
    prof = profile()
    rng = np.random.default_rng(7)
    same = rng.standard_t(5, 200) / math.sqrt(5 / 3) * 0.01
    stats, tracker = _tracked(same, prof)
    assert distribution_rule(stats, tracker, DistributionThresholds()).status is Status.OK
    shifted = same * 2.5 - 0.01
    stats, tracker = _tracked(shifted, prof)
    res = distribution_rule(stats, tracker, DistributionThresholds())
    assert res.status is Status.CRITICAL
    assert res.evidence["p_value"] < 1e-4 and res.evidence["n_days"] == 200


def test_distribution_insufficient_before_min_days() -> None:
    stats, tracker = _tracked([0.001] * 5, profile())
    assert distribution_rule(stats, tracker, DistributionThresholds()).status is (
        Status.INSUFFICIENT_DATA
    )


@pytest.mark.parametrize("rule", [cusum_rule, page_hinkley_rule])
def test_drift_rules_flag_a_persistent_loss_and_not_noise(rule) -> None:
    prof = profile()
    exp = Expectations(profile=prof)
    th = DriftThresholds(warning_false_alarm=0.04, critical_false_alarm=0.01)
    stats, tracker = _tracked(np.zeros(50), prof)
    assert rule(stats, exp, tracker, th).status is Status.OK
    rng = np.random.default_rng(8)
    good = rng.standard_t(5, 60) / math.sqrt(5 / 3) * 0.01
    losing = rng.normal(-0.006, 0.014, 60)  # worse mean, more volatile
    # Page-Hinkley compares with the running live mean: it needs a change after go-live
    stats, tracker = _tracked(np.concatenate((good, losing)), prof)
    res = rule(stats, exp, tracker, th)
    assert res.status is Status.CRITICAL
    assert res.value >= res.limit == pytest.approx(6.0)
    assert res.since is not None


def test_cusum_limits_come_from_the_calibration() -> None:
    prof = profile()
    stats, tracker = _tracked([-0.004] * 3, prof)
    th = DriftThresholds(warning_false_alarm=0.04, critical_false_alarm=0.01)
    res = cusum_rule(stats, Expectations(profile=prof), tracker, th)
    assert res.evidence["warning_limit"] == pytest.approx(4.0)
    assert res.evidence["critical_limit"] == pytest.approx(6.0)


# ---- daily loss ---------------------------------------------------------------------------


def test_daily_loss_absolute_limits() -> None:
    th = DailyLossThresholds(warning_loss=0.02, critical_loss=0.05)
    assert daily_loss_rule(daily_stats([-0.01]), None, th).status is Status.OK
    assert daily_loss_rule(daily_stats([-0.02]), None, th).status is Status.WARNING
    assert daily_loss_rule(daily_stats([-0.06]), None, th).status is Status.CRITICAL
    assert daily_loss_rule(daily_stats([-0.5]), None, DailyLossThresholds()).status is (
        Status.INSUFFICIENT_DATA
    )


def test_daily_loss_improbable_under_the_model() -> None:
    prof = profile()
    stats, tracker = _tracked([0.0] * 10, prof)
    stats.update(T0 + 10 * DAY + 3600, stats.equity * (1 - 0.15))  # a 15-sigma day
    res = daily_loss_rule(stats, tracker, DailyLossThresholds())
    assert res.status is Status.CRITICAL
    assert res.evidence["p_value"] <= DailyLossThresholds().critical_prob
    # the fitted t has nu = 5; the tail is read with nu capped at TAIL_NU (4): heavier
    from perfdesk.analytics.rules.daily_loss import TAIL_NU
    from perfdesk.analytics.stat_tests import t_cdf_unit

    assert res.evidence["p_value"] == pytest.approx(t_cdf_unit(-15.0, TAIL_NU), rel=1e-6)
    assert t_cdf_unit(-15.0, TAIL_NU) > t_cdf_unit(-15.0, GARCH.nu)
    stats2, tracker2 = _tracked([0.0] * 10, prof)
    stats2.update(T0 + 10 * DAY + 3600, stats2.equity * (1 - 0.015))
    assert daily_loss_rule(stats2, tracker2, DailyLossThresholds()).status is Status.OK


# ---- trades ---------------------------------------------------------------------------------


def _trading(wins: int, losses: int, slip_bps: float = 0.0) -> EquityStats:
    stats = daily_stats([0.0])
    ts = T0
    for i in range(wins + losses):
        ts += 60
        exp_px = 100.0
        stats.fill(
            ts, "X", "buy", qty=1, price=exp_px * (1 + slip_bps / 1e4), expected_price=exp_px
        )
        out = 101.0 if i < wins else 99.0
        stats.fill(ts + 30, "X", "sell", qty=1, price=out)
    return stats


def test_win_rate_binomial() -> None:
    th = WinRateThresholds(min_trades=30)
    exp = Expectations(win_rate=0.6)
    assert win_rate_rule(_trading(5, 5), exp, th).status is Status.INSUFFICIENT_DATA
    assert win_rate_rule(_trading(36, 24), exp, th).status is Status.OK
    res = win_rate_rule(_trading(15, 45), exp, th)
    assert res.status is Status.CRITICAL
    assert res.value == pytest.approx(0.25)
    assert res.evidence["trades"] == 60


def test_slippage_against_expected() -> None:
    th = SlippageThresholds(warning_ratio=1.5, critical_ratio=2.5, slack_bps=1.0, min_fills=20)
    exp = Expectations(slippage_bps=2.0)
    assert slippage_rule(_trading(20, 10, slip_bps=2.0), exp, th).status is Status.OK
    assert slippage_rule(_trading(20, 10, slip_bps=4.5), exp, th).status is Status.WARNING
    res = slippage_rule(_trading(20, 10, slip_bps=8.0), exp, th)
    assert res.status is Status.CRITICAL
    assert res.value == pytest.approx(8.0)
    assert res.limit == pytest.approx(6.0)


def test_trade_frequency_poisson() -> None:
    th = TradeFrequencyThresholds(min_days=0.25)
    stats = daily_stats([0.0] * 10)  # 11 days of samples
    assert trade_frequency_rule(stats, Expectations(trades_per_day=5), th).status is (
        Status.CRITICAL
    )
    for i in range(55):
        stats.fill(T0 + i * 17_000, "X", "buy", qty=1, price=100)
    every_day = Expectations(trades_per_day=5, periods_per_year=365)  # calendar days count
    ok = trade_frequency_rule(stats, every_day, th)
    assert ok.status is Status.OK
    assert ok.evidence["days"] == pytest.approx((T0 + 54 * 17_000 - (T0 - DAY)) / DAY)
    many = trade_frequency_rule(stats, Expectations(trades_per_day=1, periods_per_year=365), th)
    assert many.status is Status.CRITICAL


def test_trade_frequency_counts_trading_days_not_weekends() -> None:
    """20 fills a day Monday to Friday for three weeks, samples every hour (weekends too):
    healthy for a weekday market; the same count is a shortfall if every day trades."""
    monday = 19_996 * DAY  # 2024-09-30, a Monday (day 20_000 is a Friday)
    stats = EquityStats()
    for hour in range(21 * 24):
        ts = monday + hour * 3600.0
        stats.update(ts, 1e6)
        day = int(ts // DAY)
        if elapsed_days(day * DAY, day * DAY + 1, weekdays_only=True) and 2 <= hour % 24 < 22:
            stats.fill(ts, "X", "buy", qty=1, price=100)
    th = TradeFrequencyThresholds()
    weekdays = trade_frequency_rule(stats, Expectations(trades_per_day=20), th)
    assert stats.trades.fills == 300
    assert weekdays.evidence["days"] == pytest.approx(15.0)  # the last sample is on a Sunday
    assert weekdays.status is Status.OK
    calendar = trade_frequency_rule(
        stats, Expectations(trades_per_day=20, periods_per_year=365), th
    )
    assert calendar.evidence["days"] == pytest.approx(21.0 - 1 / 24)
    assert calendar.status is Status.CRITICAL


@pytest.mark.parametrize("seed", range(3))
def test_elapsed_trading_days_match_numpy_business_days(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(200):
        start = float(rng.uniform(19_990, 20_020)) * DAY
        end = start + float(rng.uniform(0, 40)) * DAY
        expected = 0.0
        for day in range(int(start // DAY), int(end // DAY) + 1):
            overlap = min(end, (day + 1) * DAY) - max(start, day * DAY)
            if overlap > 0 and np.is_busday(np.datetime64(day, "D")):
                expected += overlap / DAY
        assert elapsed_days(start, end, weekdays_only=True) == pytest.approx(expected, abs=1e-9)


def test_rules_without_expectations_are_not_applicable() -> None:
    stats = daily_stats([0.0] * 5)
    for res in [
        win_rate_rule(stats, None, WinRateThresholds()),
        slippage_rule(stats, None, SlippageThresholds()),
        trade_frequency_rule(stats, None, TradeFrequencyThresholds()),
    ]:
        assert res.status is Status.INSUFFICIENT_DATA
        assert res.evidence["applicable"] is False


def test_trade_stats_average_cost_round_trips() -> None:
    stats = EquityStats()
    stats.fill(0, "A", "buy", qty=2, price=10)
    stats.fill(1, "A", "buy", qty=2, price=12)  # avg 11
    stats.fill(2, "A", "sell", qty=1, price=11.5, fee=0.1)  # +0.5 - 0.1 win
    stats.fill(3, "A", "sell", qty=5, price=10)  # closes 3 at -1 each, opens short 2 @10
    stats.fill(4, "A", "buy", qty=2, price=9)  # short covered at a profit
    t = stats.trades
    assert (t.wins, t.losses, t.fills) == (2, 1, 5)
    assert t.positions["A"].qty == 0
    assert datetime.fromtimestamp(t.last_ts, UTC).year == 1970


def test_daily_loss_unconditional_tail_catches_a_loss_in_a_volatile_spell() -> None:
    from perfdesk.analytics.rules.daily_loss import tail_probability

    tail = Quantiles(probs=(1e-5, 1e-4, 1e-3), values=(-0.08, -0.06, -0.04))
    assert tail_probability(-0.09, tail) == 1e-5
    assert tail_probability(-0.06, tail) == pytest.approx(1e-4)
    assert tail_probability(-0.05, tail) == pytest.approx(math.sqrt(1e-4 * 1e-3))
    assert tail_probability(0.01, tail) == 1.0
    prof = profile()
    stats, tracker = _tracked([0.0] * 10, prof)
    tracker.h = 0.03**2  # the model expects a 3 % day: a 6.5 % loss is not extreme for it
    stats.update(T0 + 10 * DAY + 3600, stats.equity * (1 - 0.065))
    th = DailyLossThresholds(warning_prob=1e-4, critical_prob=1e-5)
    assert daily_loss_rule(stats, tracker, th).status is Status.OK
    reported = daily_loss_rule(stats, tracker, th, tail)
    assert reported.status is Status.OK
    assert reported.evidence["p_unconditional"] < 1e-4
    res = daily_loss_rule(stats, tracker, th, tail, grade_unconditional=True)
    assert res.status is Status.WARNING
    assert res.evidence["p_value"] < 1e-4


def test_fast_rule_results_equal_validated_ones() -> None:
    from pydantic import ValidationError

    from perfdesk.analytics.rules._common import result
    from perfdesk.domain.verdict import RuleResult

    since = datetime(2026, 1, 5, tzinfo=UTC)
    fields = dict(
        rule="r",
        status=Status.WARNING,
        message="m",
        value=1.5,
        since=since,
        evidence={"p_value": 0.01},
    )
    fast = result(**fields)
    slow = RuleResult(**fields)
    assert fast == slow
    assert fast.model_dump() == slow.model_dump()
    assert fast.model_dump_json() == slow.model_dump_json()
    assert fast.model_copy(update={"status": Status.OK}).status is Status.OK
    with pytest.raises(ValidationError):
        fast.status = Status.OK  # still frozen
