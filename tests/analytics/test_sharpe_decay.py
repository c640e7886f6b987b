"""Sharpe decay rule: quiet on healthy strategies, speaks on a decay (also a late one),
one-sided, the backtest's own error and dependence accounted for, MinTRL as evidence."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest
from scipy import integrate, stats

from perfdesk.analytics.metrics import sharpe_stats as ss
from perfdesk.analytics.rules import registry
from perfdesk.analytics.rules import sharpe_decay as sd
from perfdesk.analytics.rules.subject import Subject
from perfdesk.analytics.streaming import EquityStats
from perfdesk.domain.expectations import BacktestProfile, Expectations
from perfdesk.domain.status import Status
from perfdesk.domain.thresholds import SharpeThresholds, Thresholds

DAY = 86_400.0
T0 = 20_000 * DAY + 72_000.0
TH = SharpeThresholds(warning_p=0.01, critical_p=0.001)
VOL = 0.01
MU = 0.1 * VOL  # daily Sharpe 0.1 (≈1.6 a year)


def subject(live: np.ndarray, backtest: np.ndarray) -> Subject:
    stats, equity = EquityStats(), 1e6
    stats.update(T0 - DAY, equity)
    for i, r in enumerate(live):
        equity *= 1 + r
        stats.update(T0 + i * DAY, equity)
    n, sr, g3, g4 = ss.moments(backtest)
    prof = BacktestProfile(
        n_days=n, daily_returns=tuple(backtest), sharpe=sr * math.sqrt(252), skew=g3, kurtosis=g4
    )
    now = datetime.fromtimestamp(stats.last_ts, UTC)
    return Subject("s", stats, Expectations(profile=prof), Thresholds(), now, None)


def normal(n: int, seed: int, mu: float = MU) -> np.ndarray:
    return np.random.default_rng(seed).normal(mu, VOL, n)


def daily_statuses(live: np.ndarray, backtest: np.ndarray) -> list[Status]:
    return [sd.check(subject(live[:n], backtest), TH).status for n in range(20, live.size + 1)]


def test_mixture_likelihood_ratio_matches_numerical_integration() -> None:
    a, b, w = 0.0013, 0.04, 0.02
    for m in (-0.3, -0.05, 0.0, 0.1):
        # H0: gap | e ~ N(e, w), e ~ N(0, a) the backtest's error;
        # H1: gap | d ~ N(d, a + w) (the error integrated out), d ~ half-normal(b) below 0
        def h0(e: float, m: float = m) -> float:
            return float(stats.norm(e, math.sqrt(w)).pdf(m) * stats.norm(0, math.sqrt(a)).pdf(e))

        def h1(d: float, m: float = m) -> float:
            drift = stats.norm(d, math.sqrt(a + w)).pdf(m)
            return float(drift * 2 * stats.norm(0, math.sqrt(b)).pdf(d))

        num = integrate.quad(h1, -np.inf, 0)[0]
        den = integrate.quad(h0, -np.inf, np.inf)[0]
        got = float(sd.log_lr(np.array([m]), np.array([w]), a, b)[0])
        assert got == pytest.approx(math.log(num / den), rel=1e-6, abs=1e-9)


def test_log_lr_falls_as_the_gap_rises() -> None:
    """What the null table's shortcut rests on (a window's largest log Λ is that of its
    lowest mean gap): log Λ never rises with m."""
    m = np.linspace(-30.0, 30.0, 200_001)
    for a in (1e-9, 1 / 60, 1 / 756):
        for w in (1 / 5, 1 / 20, 1 / 452):
            llr = sd.log_lr(m, np.full(m.size, w), a, sd.DECAY_SCALE**2)
            assert np.all(np.diff(llr) <= 0.0)


def test_the_null_table_is_the_maximum_over_every_window_and_day() -> None:
    """The table, against the brute force it replaced: log Λ of every window ending on
    every day of every simulated path, then each path's maximum — bit for bit."""
    n_backtest = 756
    rng = np.random.default_rng(0)
    paths, days, a, b = sd.NULL_PATHS, sd.NULL_DAYS, 1.0 / n_backtest, sd.DECAY_SCALE**2
    err = rng.normal(0.0, math.sqrt(1.0 / n_backtest), (paths, 1))
    cum = np.zeros((paths, days + 1))
    cum[:, 1:] = np.cumsum(rng.standard_normal((paths, days)) + err, axis=1)
    ends = np.arange(sd.FIRST_DAY, days + 1)
    best = sd.log_lr(cum[:, ends] / ends, 1.0 / ends, a, b).max(axis=1)
    for w in (w for w in sd.WINDOWS if w < days):
        e = ends[ends > w]
        every = sd.log_lr((cum[:, e] - cum[:, e - w]) / w, np.full(e.size, 1.0 / w), a, b)
        best = np.maximum(best, every.max(axis=1))
    assert np.array_equal(sd.healthy_year_maxima(n_backtest), np.sort(best))


def test_healthy_strategies_stay_quiet() -> None:
    warned = 0
    for seed in range(20):
        backtest, live = normal(756, seed), normal(250, 1000 + seed)
        warned += any(s.severity >= 2 for s in daily_statuses(live, backtest))
    assert warned <= 1


def test_a_decay_is_flagged_and_a_late_one_soon_after_it_starts() -> None:
    backtest = normal(756, 1)
    live = np.concatenate((normal(150, 2), normal(100, 3, mu=-0.4 * VOL)))
    statuses = daily_statuses(live, backtest)
    first = next(i + 20 for i, s in enumerate(statuses) if s.severity >= 2)
    assert 150 < first <= 230  # within 80 days of a decay that starts on day 150
    assert statuses[-1] is Status.CRITICAL
    res = sd.check(subject(live, backtest), TH)
    assert res.evidence["window_days"] < 150  # the window that speaks starts near the decay
    assert res.since is not None


def test_one_sided_a_better_live_sharpe_is_never_flagged() -> None:
    res = sd.check(subject(normal(250, 5, mu=0.5 * VOL), normal(756, 6)), TH)
    assert res.status is Status.OK and res.evidence["p_value"] == 1.0


def test_a_short_backtest_needs_more_live_evidence() -> None:
    live = normal(60, 7, mu=-0.15 * VOL)
    long_bt, short_bt = normal(2520, 8), normal(2520, 8)[:120]
    p_long = sd.check(subject(live, long_bt), TH).evidence["p_value"]
    p_short = sd.check(subject(live, short_bt), TH).evidence["p_value"]
    assert p_long < p_short


def test_variance_is_mertens_for_iid_and_inflated_by_autocorrelation() -> None:
    rng = np.random.default_rng(9)
    iid = rng.standard_t(5, 5000) * VOL / math.sqrt(5 / 3) + MU
    null = sd.null_of(iid)
    assert null is not None
    _n, sr, g3, g4 = ss.moments(iid)
    assert null.mertens == pytest.approx(1 - g3 * sr + (g4 - 1) / 4 * sr * sr, rel=0.01)
    assert null.lo_factor == pytest.approx(1.0, abs=0.1)
    ar = np.empty(5000)
    ar[0] = 0.0
    for t in range(1, 5000):  # AR(1), ρ = 0.3: Lo's factor (1 + ρ)/(1 − ρ) ≈ 1.86
        ar[t] = 0.3 * ar[t - 1] + rng.normal(0, VOL)
    dependent = sd.null_of(ar + MU)
    assert dependent is not None and 1.5 < dependent.lo_factor < 2.2


def test_min_trl_is_evidence_not_a_gate() -> None:
    live, backtest = normal(40, 11, mu=0.05 * VOL), normal(756, 12)
    res = sd.check(subject(live, backtest), TH)
    assert res.status is Status.OK  # a short record is not "inconclusive"
    n, sr, g3, g4 = subject(live, backtest).stats.daily.shape()
    need = ss.min_trl_from_stats(sr, 0.0, g3, g4, 0.05) - n
    assert res.evidence["more_days_for_edge"] == pytest.approx(max(0.0, need))
    assert "a claim of edge needs" in res.message or "no edge to claim" in res.message


def test_a_declared_sharpe_alone_is_tested_without_backtest_error() -> None:
    def declared(live: np.ndarray, sharpe: float) -> Subject:
        base = subject(live, normal(756, 2))
        exp = Expectations(sharpe=sharpe)
        return Subject("s", base.stats, exp, Thresholds(), base.now, None)

    assert sd.check(declared(normal(250, 21), 1.6), TH).status is Status.OK
    decayed = sd.check(declared(normal(250, 22, mu=-0.3 * VOL), 1.6), TH)
    assert decayed.status is Status.CRITICAL and decayed.limit == pytest.approx(1.6)
    assert decayed.evidence["backtest_se"] == pytest.approx(0.0, abs=1e-3)


def test_needs_an_expected_sharpe_and_min_days() -> None:
    bare = subject(normal(30, 1), normal(756, 2))
    nothing = Subject("s", bare.stats, Expectations(), Thresholds(), bare.now, None)
    assert sd.check(nothing, TH).evidence.get("applicable") is False
    short = sd.check(subject(normal(10, 1), normal(756, 2)), TH)
    assert short.status is Status.INSUFFICIENT_DATA and "of 20 live days" in short.message


def test_registered_with_its_statistics() -> None:
    spec = registry.spec(sd.NAME)
    assert spec is not None and spec.p_value and spec.thresholds == "sharpe"
    res = sd.check(subject(normal(60, 1), normal(756, 2)), TH)
    assert {s.key for s in spec.statistics} <= set(res.evidence)


def test_standardised_the_value_shown_is_the_one_judged_and_the_plain_one_is_beside_it() -> None:
    """After a volatility jump the plain and the vol-scaled Sharpe can disagree (the
    demo's FX carry read "live Sharpe 2.32 … vs backtest 1.64", critical): the value and
    limit are now the figures the test judged, the plain ones stay in the message."""
    from perfdesk.analytics import garch
    from perfdesk.analytics.profile import expectations_from_backtest
    from perfdesk.analytics.validator import validate
    from perfdesk.domain.expectations import GarchParams

    p = GarchParams(mu=0.0012, omega=0.04e-4, alpha=0.07, beta=0.88, nu=6.0)
    exp = expectations_from_backtest(garch.simulate(p, 1, 756, np.random.default_rng(8))[0])
    judged = []
    for seed in range(16):
        rng = np.random.default_rng(100 + seed)
        healthy = garch.simulate(p, 1, 30, rng)[0]
        after = rng.standard_t(6.0, 90) * 0.025 - 0.008  # doubled volatility, a losing drift
        stats, equity = EquityStats(), 1e6
        stats.update(T0 - DAY, equity)
        for i, r in enumerate(np.concatenate((healthy, [-0.08], after))):
            equity *= 1 + r
            stats.update(T0 + i * DAY, equity)
        verdict = validate(
            "s", stats, exp, Thresholds(), datetime.fromtimestamp(stats.last_ts + 1, UTC)
        )
        res = verdict.rule("sharpe_decay")
        assert res is not None and res.evidence["standardised"] is True
        assert res.value == res.evidence["value"] and res.limit == res.evidence["limit"]
        assert f"scaled by the model's volatility it reads {res.value:.2f}" in res.message
        assert f"{res.evidence['window_sharpe']:.2f} over the last" in res.message
        assert res.limit == pytest.approx(res.evidence["backtest_sharpe"])
        if res.status.severity >= 2:
            judged.append(res)
    assert judged  # the decays were seen
    assert all(r.value < r.limit for r in judged)  # what is shown agrees with the verdict
