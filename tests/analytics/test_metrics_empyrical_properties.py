"""The property cases of empyrical-reloaded's `tests/test_stats.py` (translation, noise,
monotonicity), replayed against perfdesk on upstream's own input series (read from
`upstream/empyrical_cases.json`). Each test names the upstream test it mirrors; where
upstream draws from its module-level RandomState, a seeded generator stands in."""

from __future__ import annotations

import math

import numpy as np
import pytest

from perfdesk.analytics import metrics as m

from .upstream import cases as uc

RNG = np.random.default_rng(1337)


def _s(name: str) -> np.ndarray:
    return uc.series(name).values.copy()


def _head(a: np.ndarray, k: int) -> np.ndarray:
    """upstream's `a[0:k].add(b[k:], fill_value=0)` with b all zero: a's first k, then 0."""
    out = np.zeros_like(a)
    out[:k] = a[:k]
    return out


@pytest.mark.parametrize(
    ("name", "c"),
    [("noise", 1e-4), ("noise", 1e-3), ("noise_uniform", 0.01), ("noise_uniform", 0.1)],
)
def test_max_drawdown_translation(name: str, c: float) -> None:
    r = _s(name)
    assert m.max_drawdown(r - c) <= m.max_drawdown(r) <= m.max_drawdown(r + c)


@pytest.mark.parametrize(
    ("name", "rf_less", "rf_more"), [("noise_uniform", 0.0, 0.001), ("noise", 0.001, 0.002)]
)
def test_omega_returns(name: str, rf_less: float, rf_more: float) -> None:
    r = _s(name)  # upstream passes the "required return" positionally: it is risk_free
    assert m.omega_ratio(r, rf_less) > m.omega_ratio(r, rf_more)


@pytest.mark.parametrize(("rr", "t"), [(0.0, 0.005), (0.005, 0.005)])
def test_sharpe_translation_same(rr: float, t: float) -> None:
    r = _s("noise_uniform")
    sr = m.sharpe_ratio(r, rr)
    assert m.sharpe_ratio(r - t, rr - t) == pytest.approx(sr, abs=1e-8)
    assert m.sharpe_ratio(r + t, rr + t) == pytest.approx(sr, abs=1e-8)


@pytest.mark.parametrize(("rr", "tr", "tq"), [(0.0, 2e-4, 1e-4), (0.005, 1e-4, 2e-4)])
def test_sharpe_translation_diff(rr: float, tr: float, tq: float) -> None:
    r = _s("noise_uniform")
    sr = m.sharpe_ratio(r, rr)
    assert m.sharpe_ratio(r - tr, rr - tq) != sr
    assert m.sharpe_ratio(r + tr, rr + tq) != sr


@pytest.mark.parametrize("name", ["noise_uniform", "noise"])
def test_sharpe_translation_1(name: str) -> None:
    r = _s(name)
    sr = m.sharpe_ratio(r, 0.0)
    assert m.sharpe_ratio(r, -0.005) > sr > m.sharpe_ratio(r, 0.005)


@pytest.mark.parametrize(("small", "large"), [(0.001, 0.002), (0.01, 0.02)])
def test_sharpe_noise(small: float, large: float) -> None:
    a, b = RNG.normal(0.01, small, 1000), RNG.normal(0.01, large, 1000)
    assert m.sharpe_ratio(a, 0.001) > m.sharpe_ratio(b, 0.001)


@pytest.mark.parametrize("name", ["noise", "noise_uniform"])
def test_downside_risk_noisy(name: str) -> None:
    noise, flat = _s(name), _s("flat_line_0")
    dr = [m.downside_risk(_head(noise, k), flat) for k in (250, 500, 750)]
    assert dr[0] <= dr[1] <= dr[2]


@pytest.mark.parametrize("name", ["noise", "noise_uniform"])
def test_downside_risk_trans(name: str) -> None:
    r = _s(name)
    assert m.downside_risk(r, -0.005) <= m.downside_risk(r, 0) <= m.downside_risk(r, 0.005)


@pytest.mark.parametrize(("small", "large"), [(0.001, 0.002), (0.001, 0.01), (0, 0.001)])
def test_downside_risk_std(small: float, large: float) -> None:
    less = RNG.normal(0, small, 1000) if small else np.zeros(1000)
    assert m.downside_risk(less) < m.downside_risk(RNG.normal(0, large, 1000))


@pytest.mark.parametrize("name", ["noise_uniform", "noise"])
def test_sortino_add_noise(name: str) -> None:
    r = _s(name)
    up = np.flatnonzero(r > 0)
    loss = RNG.choice(up, 2, replace=False)
    sr1 = m.sortino_ratio(r)
    r[loss[0]] = -0.01
    sr2 = m.sortino_ratio(r)
    r[loss[1]] = -0.01
    assert sr1 > sr2 > m.sortino_ratio(r)


@pytest.mark.parametrize("name", ["noise_uniform", "noise"])
def test_sortino_sub_noise(name: str) -> None:
    r = _s(name)
    down = RNG.choice(np.flatnonzero(r < 0), 2, replace=False)
    sr1 = m.sortino_ratio(r)
    r[down[0]] = 0.0
    sr2 = m.sortino_ratio(r)
    r[down[1]] = 0.0
    assert sr1 <= sr2 <= m.sortino_ratio(r)


@pytest.mark.parametrize(("rr", "t"), [(0.0, 0.005), (0.005, 0.005)])
def test_sortino_translation_same(rr: float, t: float) -> None:
    r = _s("noise_uniform")
    sr = m.sortino_ratio(r, rr)
    assert m.sortino_ratio(r - t, rr - t) == pytest.approx(sr, abs=1e-8)
    assert m.sortino_ratio(r + t, rr + t) == pytest.approx(sr, abs=1e-8)


@pytest.mark.parametrize(("returns", "bench"), [("flat_line_0", "pos_line"),
                                                 ("flat_line_1_tz", "pos_line"),
                                                 ("noise", "pos_line")])  # fmt: skip
def test_excess_sharpe_noisy(returns: str, bench: str) -> None:
    r, b = _s(returns), _s(bench)
    ir = []
    for k in (250, 500, 750):
        mixed = np.r_[r[:k], b[k:]]  # upstream: returns[0:k].add(benchmark[k:], fill_value=0)
        ir.append(abs(m.information_ratio(mixed, b)))
    assert ir[0] < ir[1] < ir[2]


@pytest.mark.parametrize(
    ("line", "noise"),
    [
        ("pos_line", "noise"),
        ("pos_line", "inv_noise"),
        ("neg_line", "noise"),
        ("neg_line", "inv_noise"),
    ],
)
def test_excess_sharpe_trans(line: str, noise: str) -> None:
    r, n, b = _s(line), _s(noise), _s("flat_line_1_tz")
    ir = m.information_ratio(r + n, r)
    assert m.information_ratio(r + n - b, r) < ir < m.information_ratio(r + n + b, r)


@pytest.mark.parametrize(("mean", "t"), [(0.0, 0.001), (0.01, 0.001)])
def test_alpha_beta_translation(mean: float, t: float) -> None:
    cov = [[1e-4, 0.01 * 0.001 * 0.8], [0.01 * 0.001 * 0.8, 1e-6]]
    r, b = RNG.multivariate_normal([mean, 0.001], cov, 1000).T
    (a_lo, b_lo), (a0, b0), (a_hi, b_hi) = (m.alpha_beta(r + d, b) for d in (-t, 0.0, t))

    def daily(a: float) -> float:
        return (a + 1) ** (1 / 252)

    assert daily(a0) - daily(a_lo) == pytest.approx(t, abs=1e-8)
    assert daily(a_hi) - daily(a0) == pytest.approx(t, abs=1e-8)
    assert b_lo == pytest.approx(b0) and b_hi == pytest.approx(b0)


def test_alpha_beta_correlation() -> None:
    def pair(corr: float) -> tuple[float, float]:
        cov = [[1e-4, 1e-5 * corr], [1e-5 * corr, 1e-6]]
        r, b = RNG.multivariate_normal([0.01, 0.001], cov, 1000).T
        return m.alpha_beta(r, b)

    (a_less, b_less), (a_more, b_more) = pair(0.1), pair(0.9)
    assert a_less > a_more and b_less < b_more


def test_alpha_beta_with_nan_inputs() -> None:
    r = _s("sparse_noise")
    # upstream means NaNs sprinkled in, but its `noise.replace(dates, np.nan)` replaces
    # values equal to those dates, i.e. none: put real NaNs in
    r[RNG.choice(r.size, 9, replace=False)] = np.nan
    a, b = m.alpha_beta(r, r)
    assert not math.isnan(a) and not math.isnan(b)


EQUALITY = [
    ("mixed_returns", "mixed_returns"),
    ("mixed_returns", "-mixed_returns"),
    ("one_return", "one_return"),
    ("empty_returns", "simple_benchmark"),
]


@pytest.mark.parametrize(("returns", "bench"), EQUALITY)
def test_alpha_beta_equality(returns: str, bench: str) -> None:
    r, b = uc.align(uc.series(returns), uc.series(bench))
    a, bt = m.alpha_beta(r, b)
    np.testing.assert_equal((a, bt), (m.alpha(r, b), m.beta(r, b)))


@pytest.mark.parametrize("name", ["noise", "noise_uniform"])
def test_cagr_translation(name: str) -> None:
    r = _s(name)
    assert m.cagr(r - 0.01) < m.cagr(r) < m.cagr(r + 0.01)


def test_cagr_with_nan_inputs() -> None:
    r = _s("sparse_noise")
    r[RNG.choice(r.size, 9, replace=False)] = np.nan  # see test_alpha_beta_with_nan_inputs
    assert not math.isnan(m.cagr(r))


@pytest.mark.parametrize(
    ("line", "noise"),
    [("pos_line", "noise"), ("pos_line", "noise_uniform"), ("flat_line_1_tz", "noise")],
)
def test_cagr_noisy(line: str, noise: str) -> None:
    r, n = _s(line), _s(noise)
    np.testing.assert_approx_equal(m.cagr(r), m.cagr(r + n), 1)
    np.testing.assert_approx_equal(m.cagr(r), m.cagr(r - n), 1)


@pytest.mark.parametrize("cutoff", [0, 0.0499, 0.05, 0.20, 0.999, 1])
def test_var_and_cvar_on_21_points(cutoff: float) -> None:
    r = RNG.normal(0, 0.02, 21)
    var = m.value_at_risk(r, cutoff)
    assert var == pytest.approx(np.percentile(r, cutoff * 100))
    assert m.conditional_value_at_risk(r, cutoff) == pytest.approx(np.mean(r[r <= var]))


def test_cvar_of_one_value_is_that_value() -> None:
    r = RNG.normal(0, 0.02, 1)
    assert m.conditional_value_at_risk(r, 0) == m.conditional_value_at_risk(r, 1) == r[0]
