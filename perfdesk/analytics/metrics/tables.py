"""Calendar aggregation and tables: monthly/yearly returns, win rates by period, the full
metric report. Dates are anything numpy turns into datetime64 (UTC calendar)."""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from perfdesk.analytics.metrics import benchmark as bm
from perfdesk.analytics.metrics import drawdowns as dd
from perfdesk.analytics.metrics import returns as rt
from perfdesk.analytics.metrics import risk as rk
from perfdesk.analytics.metrics import sharpe_stats as ss
from perfdesk.analytics.metrics._core import PERIODS_PER_YEAR, FloatArray, clean_with_dates

Period = Literal["weekly", "monthly", "quarterly", "yearly"]
_UNIT = {"monthly": "M", "yearly": "Y"}
_THURSDAY_TO_MONDAY = 3  # 1970-01-01 was a Thursday; 1969-12-29 the Monday before


def _bucket(dates: npt.NDArray[np.datetime64], period: Period) -> npt.NDArray[np.int64]:
    if period == "quarterly":
        months = dates.astype("datetime64[M]").astype(np.int64)
        return months // 3
    if period == "weekly":  # Monday–Sunday (ISO) weeks, not numpy's Thursday-based [W]
        days = dates.astype("datetime64[D]").astype(np.int64)
        return (days + _THURSDAY_TO_MONDAY) // 7
    return dates.astype(f"datetime64[{_UNIT[period]}]").astype(np.int64)


def aggregate_returns(
    returns: npt.ArrayLike, dates: npt.ArrayLike, period: Period
) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    """Compounded returns per calendar bucket, with the bucket keys (in time order).

    Keys are numpy datetime64 ordinals: months since 1970-01 for "monthly", years since
    1970 for "yearly", Monday–Sunday weeks since Monday 1969-12-29 for "weekly" (ISO
    weeks, as empyrical and QuantStats bucket them), quarters since 1970 for "quarterly".
    Dates must be sorted.
    """
    r, d = clean_with_dates(returns, dates)
    if r.size == 0:
        return np.empty(0), np.empty(0, dtype=np.int64)
    keys = _bucket(d, period)
    uniq, idx = np.unique(keys, return_inverse=True)
    log_growth = np.zeros(uniq.size)
    np.add.at(log_growth, idx, np.log1p(r))
    return np.expm1(log_growth), uniq


def monthly_returns_table(returns: npt.ArrayLike, dates: npt.ArrayLike) -> dict[int, list[float]]:
    """{year: [Jan … Dec, year total]} compounded; NaN for months without data."""
    monthly, keys = aggregate_returns(returns, dates, "monthly")
    table: dict[int, list[float]] = {}
    for ret, key in zip(monthly, keys, strict=True):
        year, month = 1970 + int(key) // 12, int(key) % 12
        table.setdefault(year, [math.nan] * 13)[month] = float(ret)
    for row in table.values():
        months = np.array(row[:12])
        row[12] = float(np.prod(1 + months[~np.isnan(months)]) - 1)
    return table


def yearly_returns(returns: npt.ArrayLike, dates: npt.ArrayLike) -> dict[int, float]:
    yearly, keys = aggregate_returns(returns, dates, "yearly")
    return {1970 + int(k): float(v) for k, v in zip(keys, yearly, strict=True)}


def _period_stats(
    returns: npt.ArrayLike, dates: npt.ArrayLike | None, period: Period
) -> dict[str, float]:
    if dates is None:
        return {}
    agg, _ = aggregate_returns(returns, dates, period)
    name = period.removesuffix("ly").replace("dai", "day")
    return {
        f"best_{name}": rt.best(agg),
        f"worst_{name}": rt.worst(agg),
        f"win_rate_{name}s": rt.win_rate(agg),
    }


def full_report(
    returns: npt.ArrayLike,
    dates: npt.ArrayLike | None = None,
    benchmark: npt.ArrayLike | None = None,
    periods_per_year: float = PERIODS_PER_YEAR,
) -> dict[str, Any]:
    """Every scalar metric of QuantStats' full report (plus empyrical's), keyed by name.

    Values are floats (NaN when undefined); the max-drawdown episode adds its dates.
    """
    r = np.asarray(returns, dtype=np.float64)
    ppy = periods_per_year
    out: dict[str, Any] = _return_metrics(r, ppy) | _risk_metrics(r, ppy) | _trade_metrics(r)
    out |= _drawdown_metrics(r, dates)
    periods: tuple[Period, ...] = ("monthly", "yearly")
    for period in periods:
        out |= _period_stats(r, dates, period)
    if benchmark is not None:
        out |= _benchmark_metrics(r, benchmark, ppy)
    return out


def _return_metrics(r: FloatArray, ppy: float) -> dict[str, float]:
    return {
        "cumulative_return": rt.cum_returns_final(r),
        "cagr": rt.annual_return(r, ppy),
        "expected_return": rt.expected_return(r),
        "exposure": rt.exposure(r),
        "best_day": rt.best(r),
        "worst_day": rt.worst(r),
        "win_rate": rt.win_rate(r),
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
    }


def _trade_metrics(r: FloatArray) -> dict[str, float]:
    return {
        "payoff_ratio": rt.payoff_ratio(r),
        "profit_factor": rt.profit_factor(r),
        "gain_to_pain_ratio": rt.gain_to_pain_ratio(r),
        "cpc_index": rt.cpc_index(r),
        "kelly_criterion": rt.kelly_criterion(r),
        "risk_of_ruin": rt.risk_of_ruin(r),
        "max_consecutive_wins": float(rt.consecutive_wins(r)),
        "max_consecutive_losses": float(rt.consecutive_losses(r)),
        "outlier_win_ratio": rt.outlier_win_ratio(r),
        "outlier_loss_ratio": rt.outlier_loss_ratio(r),
    }


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
    return {
        "alpha": bm.alpha(r, b, ppy),
        "beta": bm.beta(r, b),
        "correlation": bm.correlation(r, b),
        "r_squared": bm.r_squared(r, b),
        "information_ratio": bm.information_ratio(r, b),
    }
