"""perfdesk.analytics.metrics against empyrical-reloaded and QuantStats on generated series.

Both are dev-only dependencies; each cross-check is skipped cleanly if its package is
absent. Known convention differences (docs/metrics.md) are excluded and tested separately.
"""

from __future__ import annotations

import numpy as np
import pytest

from perfdesk.analytics import metrics as m

ep = pytest.importorskip("empyrical", reason="empyrical-reloaded not installed")
pd = pytest.importorskip("pandas", reason="pandas not installed")

EMPYRICAL = [
    ("sharpe_ratio", ep.sharpe_ratio, m.sharpe_ratio),
    ("sortino_ratio", ep.sortino_ratio, m.sortino_ratio),
    ("max_drawdown", ep.max_drawdown, m.max_drawdown),
    ("annual_return", ep.annual_return, m.annual_return),
    ("annual_volatility", ep.annual_volatility, m.annual_volatility),
    ("calmar_ratio", ep.calmar_ratio, m.calmar_ratio),
    ("omega_ratio", ep.omega_ratio, m.omega_ratio),
    (
        "omega_required",
        lambda r: ep.omega_ratio(r, required_return=0.1),
        lambda r: m.omega_ratio(r, required_return=0.1),
    ),
    ("downside_risk", ep.downside_risk, m.downside_risk),
    ("value_at_risk", ep.value_at_risk, m.value_at_risk),
    ("cvar", ep.conditional_value_at_risk, m.conditional_value_at_risk),
    ("tail_ratio", ep.tail_ratio, m.tail_ratio),
    ("stability", ep.stability_of_timeseries, m.stability_of_timeseries),
    ("cum_returns_final", ep.cum_returns_final, m.cum_returns_final),
    (
        "monthly_ppy",
        lambda r: ep.sharpe_ratio(r, period="monthly"),
        lambda r: m.sharpe_ratio(r, periods_per_year=12),
    ),
]


@pytest.mark.parametrize(("name", "theirs", "ours"), EMPYRICAL, ids=[e[0] for e in EMPYRICAL])
def test_matches_empyrical(series: np.ndarray, name: str, theirs, ours) -> None:
    assert ours(series) == pytest.approx(float(theirs(series)), rel=1e-9, abs=1e-12)


def test_benchmark_metrics_match_empyrical(series: np.ndarray) -> None:
    bench = 0.6 * series + np.random.default_rng(9).normal(0, 0.008, series.size)
    a, b = ep.alpha_beta(series, bench)
    assert m.beta(series, bench) == pytest.approx(b, rel=1e-9)
    assert m.alpha(series, bench) == pytest.approx(a, rel=1e-9)
    assert m.information_ratio(series, bench) == pytest.approx(
        float(ep.excess_sharpe(series, bench)), rel=1e-9
    )


def test_rolling_sharpe_matches_empyrical(series: np.ndarray) -> None:
    theirs = np.asarray(ep.roll_sharpe_ratio(series, window=63))
    ours = m.rolling_sharpe(series, window=63)
    assert np.all(np.isnan(ours[:62]))
    np.testing.assert_allclose(ours[62:], theirs[-(series.size - 62) :], rtol=1e-9)


qs = pytest.importorskip("quantstats", reason="quantstats not installed")


def _qs_series(r: np.ndarray):
    return pd.Series(r, index=pd.bdate_range("2021-01-04", periods=r.size))


QUANTSTATS = [
    ("sharpe", "sharpe", m.sharpe_ratio),
    ("smart_sharpe", "smart_sharpe", m.smart_sharpe),
    ("sortino", "sortino", m.sortino_ratio),
    ("smart_sortino", "smart_sortino", m.smart_sortino),
    ("cagr", "cagr", m.cagr),
    ("volatility", "volatility", m.volatility),
    ("max_drawdown", "max_drawdown", m.max_drawdown),
    ("calmar", "calmar", m.calmar_ratio),
    ("win_rate", "win_rate", m.win_rate),
    ("payoff_ratio", "payoff_ratio", m.payoff_ratio),
    ("profit_factor", "profit_factor", m.profit_factor),
    ("gain_to_pain", "gain_to_pain_ratio", m.gain_to_pain_ratio),
    ("common_sense", "common_sense_ratio", m.common_sense_ratio),
    ("cpc_index", "cpc_index", m.cpc_index),
    ("kelly", "kelly_criterion", m.kelly_criterion),
    ("risk_of_ruin", "risk_of_ruin", m.risk_of_ruin),
    ("recovery_factor", "recovery_factor", m.recovery_factor),
    ("ulcer_index", "ulcer_index", m.ulcer_index),
    ("ulcer_performance_index", "ulcer_performance_index", m.ulcer_performance_index),
    ("tail_ratio", "tail_ratio", m.tail_ratio),
    ("skew", "skew", m.skew),
    ("kurtosis", "kurtosis", m.kurtosis),
    ("consecutive_wins", "consecutive_wins", m.consecutive_wins),
    ("consecutive_losses", "consecutive_losses", m.consecutive_losses),
    ("outlier_win_ratio", "outlier_win_ratio", m.outlier_win_ratio),
    ("outlier_loss_ratio", "outlier_loss_ratio", m.outlier_loss_ratio),
    ("expected_return", "expected_return", m.expected_return),
    ("avg_win", "avg_win", m.avg_win),
    ("avg_loss", "avg_loss", m.avg_loss),
    ("best", "best", m.best),
    ("worst", "worst", m.worst),
    ("comp", "comp", m.comp),
    ("exposure", "exposure", m.exposure),
    ("risk_return_ratio", "risk_return_ratio", m.risk_return_ratio),
]


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize(("name", "qs_name", "ours"), QUANTSTATS, ids=[q[0] for q in QUANTSTATS])
def test_matches_quantstats(series: np.ndarray, name: str, qs_name: str, ours) -> None:
    theirs = float(getattr(qs.stats, qs_name)(_qs_series(series)))
    assert float(ours(series)) == pytest.approx(theirs, rel=1e-7, abs=1e-12)


@pytest.mark.filterwarnings("ignore")
def test_monthly_table_and_month_win_rate_match_quantstats(series: np.ndarray) -> None:
    s = _qs_series(series)
    dates = s.index.to_numpy()
    theirs = qs.stats.win_rate(s, aggregate="ME")
    monthly, _ = m.aggregate_returns(series, dates, "monthly")
    assert m.win_rate(monthly) == pytest.approx(float(theirs), rel=1e-9)
    table = m.monthly_returns_table(series, dates)
    qs_monthly = s.resample("ME").apply(lambda x: (1 + x).prod() - 1)
    for ts, value in qs_monthly.items():
        assert table[ts.year][ts.month - 1] == pytest.approx(value, rel=1e-9, abs=1e-15)


@pytest.mark.filterwarnings("ignore")
def test_psr_matches_quantstats_raw_kurtosis(series: np.ndarray) -> None:
    """QuantStats ≥0.0.6x adds 3 to pandas' excess kurtosis; its moments are bias-corrected,
    the paper's are not, so agreement is to ~1e-3 on 750 observations."""
    theirs = float(qs.stats.probabilistic_sharpe_ratio(_qs_series(series)))
    assert m.probabilistic_sharpe_ratio(series) == pytest.approx(theirs, abs=2e-3)


@pytest.mark.filterwarnings("ignore")
def test_top_drawdowns_match_quantstats_details(series: np.ndarray) -> None:
    s = _qs_series(series)
    details = qs.stats.drawdown_details(qs.stats.to_drawdown_series(s))
    ours = m.drawdown_periods(series, s.index.to_numpy())
    assert len(ours) == len(details)
    for d, (_, row) in zip(ours, details.iterrows(), strict=True):
        assert str(np.datetime64(d.start_date, "D")) == row["start"]
        assert str(np.datetime64(d.end_date, "D")) == row["end"]
        assert d.days == row["days"]
        assert d.depth * 100 == pytest.approx(row["max drawdown"], rel=1e-9)


@pytest.mark.filterwarnings("ignore")
def test_weekly_buckets_match_pandas_monday_to_sunday_weeks(series: np.ndarray) -> None:
    s = pd.Series(series, index=pd.date_range("2021-01-07", periods=series.size, freq="D"))
    theirs = s.resample("W-SUN").apply(lambda x: (1 + x).prod() - 1)
    ours, keys = m.aggregate_returns(series, s.index.to_numpy(), "weekly")
    np.testing.assert_allclose(ours, theirs.to_numpy(), rtol=1e-9, atol=1e-15)
    assert keys.size == len(theirs)
