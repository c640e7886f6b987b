"""The full metric report: every row of QuantStats' `metrics(mode="full")` and empyrical's
scalar metrics in one dict (see docs/metrics.md for each key's definition)."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from perfdesk.analytics.metrics import benchmark as bm
from perfdesk.analytics.metrics import drawdowns as dd
from perfdesk.analytics.metrics import returns as rt
from perfdesk.analytics.metrics import risk as rk
from perfdesk.analytics.metrics import sharpe_stats as ss
from perfdesk.analytics.metrics import updown as ud
from perfdesk.analytics.metrics._core import PERIODS_PER_YEAR, FloatArray
from perfdesk.analytics.metrics.sample_size import PERIODS_KEY
from perfdesk.analytics.metrics.tables import Period, aggregate_returns
from perfdesk.analytics.metrics.tail import gpd_risk_estimates
from perfdesk.analytics.metrics.trailing import trailing_returns

CALENDAR: tuple[Period, ...] = ("monthly", "quarterly", "yearly")


def full_report(
    returns: npt.ArrayLike,
    dates: npt.ArrayLike | None = None,
    benchmark: npt.ArrayLike | None = None,
    periods_per_year: float = PERIODS_PER_YEAR,
) -> dict[str, Any]:
    """Every scalar metric keyed by name. Values are floats (NaN when undefined, ±inf
    where the metric is infinite: a Sortino without a losing period); the max-drawdown
    episode adds its dates. Calendar rows need `dates`, benchmark rows `benchmark`.
    "periods" is the number of returns behind the figures: screens show the annualised
    ones through `sample_size.shown`, which withholds them below the minimum sample."""
    r = np.asarray(returns, dtype=np.float64)
    ppy = periods_per_year
    out: dict[str, Any] = {PERIODS_KEY: int(np.count_nonzero(~np.isnan(r)))}
    out |= _return_metrics(r, ppy) | _risk_metrics(r, ppy) | _trade_metrics(r)
    out |= _drawdown_metrics(r, dates) | _tail_metrics(r)
    if dates is not None:
        for period in CALENDAR:
            out |= _period_stats(r, dates, period)
        out |= trailing_returns(r, dates, ppy)
    if benchmark is not None:
        out |= _benchmark_metrics(r, benchmark, ppy)
    return out


def _period_stats(r: FloatArray, dates: npt.ArrayLike, period: Period) -> dict[str, float]:
    agg, _ = aggregate_returns(r, dates, period)
    name = period.removesuffix("ly")
    out = {
        f"best_{name}": rt.best(agg),
        f"worst_{name}": rt.worst(agg),
        f"win_rate_{name}s": rt.win_rate(agg),
        f"expected_return_{name}ly": rt.expected_return(agg),
        f"avg_up_{name}": rt.avg_win(agg),
        f"avg_down_{name}": rt.avg_loss(agg),
    }
    if period == "monthly":
        summed, _ = aggregate_returns(r, dates, period, compounded=False)
        out["gain_to_pain_ratio_monthly"] = rt.gain_to_pain_ratio(summed)
    return out


def _return_metrics(r: FloatArray, ppy: float) -> dict[str, float]:
    return {
        "cumulative_return": rt.cum_returns_final(r),
        "cagr": rt.annual_return(r, ppy),
        "expected_return": rt.expected_return(r),
        "risk_adjusted_return": rt.risk_adjusted_return(r, ppy),
        "exposure": rt.exposure(r),
        "best_day": rt.best(r),
        "worst_day": rt.worst(r),
        "win_rate": rt.win_rate(r),
        "avg_return": rt.avg_return(r),
        "avg_win": rt.avg_win(r),
        "avg_loss": rt.avg_loss(r),
    }


def _risk_metrics(r: FloatArray, ppy: float) -> dict[str, float]:
    return {
        "annual_volatility": rk.annual_volatility(r, ppy),
        "sharpe_ratio": rk.sharpe_ratio(r, periods_per_year=ppy),
        "probabilistic_sharpe_ratio": ss.probabilistic_sharpe_ratio(r, 0.0, ppy),
        "smart_sharpe": rk.smart_sharpe(r, ppy),
        "sortino_ratio": rk.sortino_ratio(r, periods_per_year=ppy),
        "smart_sortino": rk.smart_sortino(r, ppy),
        "omega_ratio": rk.omega_ratio(r, periods_per_year=ppy),
        "calmar_ratio": rk.calmar_ratio(r, ppy),
        "downside_risk": rk.downside_risk(r, periods_per_year=ppy),
        "skew": rk.skew(r),
        "kurtosis": rk.kurtosis(r),
        "value_at_risk": rk.value_at_risk(r),
        "conditional_value_at_risk": rk.conditional_value_at_risk(r),
        "tail_ratio": rk.tail_ratio(r),
        "common_sense_ratio": rk.common_sense_ratio(r),
        "stability_of_timeseries": rk.stability_of_timeseries(r),
        "recovery_factor": rk.recovery_factor(r),
        "ulcer_index": rk.ulcer_index(r),
        "ulcer_performance_index": rk.ulcer_performance_index(r),
        "serenity_index": rk.serenity_index(r),
        "risk_return_ratio": rk.risk_return_ratio(r),
    }


def _trade_metrics(r: FloatArray) -> dict[str, float]:
    return {
        "payoff_ratio": rt.payoff_ratio(r),
        "profit_factor": rt.profit_factor(r),
        "profit_ratio": rt.profit_ratio(r),
        "gain_to_pain_ratio": rt.gain_to_pain_ratio(r),
        "cpc_index": rt.cpc_index(r),
        "kelly_criterion": rt.kelly_criterion(r),
        "risk_of_ruin": rt.risk_of_ruin(r),
        "max_consecutive_wins": float(rt.consecutive_wins(r)),
        "max_consecutive_losses": float(rt.consecutive_losses(r)),
        "outlier_win_ratio": rt.outlier_win_ratio(r),
        "outlier_loss_ratio": rt.outlier_loss_ratio(r),
    }


def _tail_metrics(r: FloatArray) -> dict[str, float]:
    """GPD tail VaR / ES at 1 %, as returns (negative = loss) like the historical VaR."""
    tail = gpd_risk_estimates(r)
    return {"gpd_var": -tail.var, "gpd_es": -tail.es}


def _drawdown_metrics(r: FloatArray, dates: npt.ArrayLike | None) -> dict[str, Any]:
    info = dd.max_drawdown_info(r, dates)
    out: dict[str, Any] = {
        "max_drawdown": dd.max_drawdown(r),
        "average_drawdown": dd.average_drawdown(r),
        "average_drawdown_days": dd.average_drawdown_days(r, dates),
        "longest_drawdown_days": dd.longest_drawdown_days(r, dates),
        "max_drawdown_duration": float(info.duration) if info else 0.0,
    }
    if info is not None and info.start_date is not None:
        out["max_drawdown_start"] = _day(info.start_date)
        out["max_drawdown_valley"] = _day(info.valley_date)
        out["max_drawdown_end"] = _day(info.end_date)
    return out


def _day(when: np.datetime64 | None) -> str | None:
    return None if when is None else str(np.asarray(when).astype("datetime64[D]"))


def _benchmark_metrics(r: FloatArray, b: npt.ArrayLike, ppy: float) -> dict[str, float]:
    batting = ud.batting_average(r, b)
    return {
        "alpha": bm.alpha(r, b, ppy),
        "beta": bm.beta(r, b),
        "correlation": bm.correlation(r, b),
        "r_squared": bm.r_squared(r, b),
        "information_ratio": bm.information_ratio(r, b),
        "treynor_ratio": bm.treynor_ratio(r, b),
        "capture": ud.capture(r, b, ppy),
        "up_capture": ud.up_capture(r, b, ppy),
        "down_capture": ud.down_capture(r, b, ppy),
        "up_down_capture": ud.up_down_capture(r, b, ppy),
        "batting_average": batting.overall,
        "batting_average_up": batting.up_market,
        "batting_average_down": batting.down_market,
    }
