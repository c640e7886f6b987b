"""Sharpe rule: is the live Sharpe ratio credibly below the backtest's?

The Probabilistic Sharpe Ratio (Bailey & López de Prado) of the live daily returns
against the backtest Sharpe, with the backtest Sharpe's own standard error added to the
live one (the backtest Sharpe is an estimate too; with an infinitely long backtest this
is exactly the PSR). p = P(true live SR ≥ backtest SR | data). When p is not yet small
enough, the Minimum Track Record Length says whether the record is simply too short:
"insufficient data — inconclusive" until MinTRL days have been seen.
"""

from __future__ import annotations

import math

from perfdesk.analytics.metrics import sharpe_stats as ss
from perfdesk.analytics.rules._common import (
    day_start,
    graded_p,
    insufficient,
    not_applicable,
    result,
)
from perfdesk.analytics.streaming import EquityStats
from perfdesk.domain.expectations import Expectations
from perfdesk.domain.status import Status
from perfdesk.domain.thresholds import SharpeThresholds
from perfdesk.domain.verdict import RuleResult

NAME = "sharpe"


def _benchmark(expectations: Expectations) -> tuple[float, float]:
    """(per-period backtest SR, its variance); variance 0 for a declared Sharpe."""
    ppy = expectations.periods_per_year
    prof = expectations.profile
    if prof is not None and prof.sharpe is not None and prof.skew is not None:
        sr = prof.sharpe / math.sqrt(ppy)
        se = ss.sharpe_std_error(sr, prof.n_days, prof.skew, prof.kurtosis or 3.0)
        return sr, se * se
    assert expectations.sharpe is not None
    return expectations.sharpe / math.sqrt(ppy), 0.0


def sharpe_rule(
    stats: EquityStats, expectations: Expectations | None, th: SharpeThresholds
) -> RuleResult:
    has_bench = expectations is not None and (
        expectations.sharpe is not None or (expectations.profile and expectations.profile.sharpe)
    )
    if expectations is None or not has_bench:
        return not_applicable(NAME, "no expected Sharpe ratio", "sharpe")
    n, sr, g3, g4 = stats.daily.shape()
    if n < th.min_days:
        return insufficient(NAME, f"{n} of {th.min_days} live days", "sharpe")
    if math.isnan(sr):
        return insufficient(NAME, "live returns have no variance", "sharpe")
    return _grade(stats, expectations, th, (n, sr, g3, g4))


def _grade(
    stats: EquityStats,
    exp: Expectations,
    th: SharpeThresholds,
    mom: tuple[int, float, float, float],
) -> RuleResult:
    n, sr, g3, g4 = mom
    sr_bt, var_bt = _benchmark(exp)
    se_live = ss.sharpe_std_error(sr, n, g3, g4)
    p = ss.norm_cdf((sr - sr_bt) / math.sqrt(se_live**2 + var_bt))
    min_trl = _min_trl(mom, sr_bt, var_bt, th.warning_p)
    status = graded_p(p, th.warning_p, th.critical_p) if sr < sr_bt else Status.OK
    ann = math.sqrt(exp.periods_per_year)
    if status is Status.OK and sr < sr_bt and n < min_trl:
        status = Status.INSUFFICIENT_DATA
    msg = {Status.INSUFFICIENT_DATA: f"inconclusive: {n} of {min_trl:.0f} days needed"}.get(
        status, f"live Sharpe {sr * ann:.2f} vs backtest {sr_bt * ann:.2f} (p={p:.3g})"
    )
    return result(
        rule=NAME,
        status=status,
        message=msg,
        value=sr * ann,
        limit=sr_bt * ann,
        unit="sharpe",
        since=day_start(stats, 0) if status.severity >= 2 else None,
        evidence={
            "value": sr * ann,
            "limit": sr_bt * ann,
            "p_value": p,
            "psr": p,
            "min_trl_days": min_trl,
            "n_days": n,
            "skew": g3,
            "kurtosis": g4,
            "warning_p": th.warning_p,
            "critical_p": th.critical_p,
        },
    )


def _min_trl(
    mom: tuple[int, float, float, float], sr_bt: float, var_bt: float, alpha: float
) -> float:
    """Days until a shortfall this large would be significant at `alpha` (inf if never)."""
    _n, sr, g3, g4 = mom
    if sr >= sr_bt:
        return math.inf
    z = ss.norm_ppf(1 - alpha)
    room = ((sr_bt - sr) / z) ** 2 - var_bt
    if room <= 0:
        return math.inf
    return 1.0 + (1.0 - g3 * sr + (g4 - 1.0) / 4.0 * sr * sr) / room
