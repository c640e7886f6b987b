"""The rules' statistical tests agree with scipy.stats (the KS test *is* scipy's)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from perfdesk.analytics import stat_tests as st


@pytest.mark.parametrize(("n", "m"), [(5, 756), (20, 756), (250, 756), (1500, 2520)])
def test_ks_is_scipys_with_the_method_chosen_by_size(n: int, m: int) -> None:
    rng = np.random.default_rng(n)
    x, y = rng.standard_t(5, n) * 1.3, np.sort(rng.standard_t(5, m))
    d, p = st.ks_2samp(x, y)
    method = "exact" if n * m <= st.KS_EXACT_MAX else "asymp"
    assert st.ks_method(n, m) == method
    ref = stats.ks_2samp(x, y, method=method)
    assert d == ref.statistic and p == ref.pvalue
    # beyond the exact limit the asymptotic p-value is within 2 % of the exact one
    if method == "asymp":
        assert p == pytest.approx(stats.ks_2samp(x, y, method="exact").pvalue, rel=0.02)


def test_ks_of_an_empty_sample_is_nan_and_a_nan_sample_goes_through_scipys_policy() -> None:
    assert all(math.isnan(v) for v in st.ks_2samp([], np.arange(3.0)))
    x = np.array([0.1, math.nan, 0.3])
    ref = stats.ks_2samp(x, np.arange(3.0), method="exact")
    d, p = st.ks_2samp(x, np.arange(3.0))
    assert math.isnan(ref.pvalue) and math.isnan(p) and math.isnan(d)


def test_binomial_matches_scipy() -> None:
    for n in (1, 7, 30, 200, 5000):
        for p in (0.05, 0.5, 0.93):
            for k in {0, n // 3, n // 2, n - 1}:
                ref = stats.binom.cdf(k, n, p)
                assert st.binom_cdf(k, n, p) == pytest.approx(ref, rel=1e-9, abs=1e-300)
                assert ref == pytest.approx(stats.binomtest(k, n, p, "less").pvalue, rel=1e-9)
    assert st.binom_cdf(5, 5, 0.3) == 1.0 and st.binom_cdf(-1, 5, 0.3) == 0.0


def test_poisson_two_sided_matches_scipy_tails() -> None:
    for mu in (0.5, 4.0, 37.5, 900.0):
        for k in (0, 1, int(mu / 2), int(mu), int(2 * mu) + 3):
            lower, upper = stats.poisson.cdf(k, mu), stats.poisson.sf(k - 1, mu)
            ref = min(1.0, 2 * min(lower, upper))
            assert st.poisson_two_sided(k, mu) == pytest.approx(ref, rel=1e-9, abs=1e-300)
    assert st.poisson_two_sided(0, 0.0) == 1.0 and st.poisson_two_sided(2, 0.0) == 0.0


@pytest.mark.parametrize("nu", [2.5, 4.0, 6.0, 30.0, 500.0])
def test_unit_variance_t_matches_scipy(nu: float) -> None:
    scale = math.sqrt((nu - 2) / nu)
    for z in (-12.0, -6.0, -3.0, -1.0, 0.0, 0.7, 4.0):
        ref = stats.t.cdf(z, nu, scale=scale)
        assert st.t_cdf_unit(z, nu) == pytest.approx(ref, rel=1e-9, abs=1e-300)
    assert stats.t.var(nu, scale=scale) == pytest.approx(1.0)


def test_log_norm_cdf_is_finite_far_in_the_left_tail() -> None:
    z = np.array([-60.0, -5.0, 0.0, 3.0])
    np.testing.assert_allclose(st.log_norm_cdf(z), stats.norm.logcdf(z), rtol=1e-12)
