"""Execution rules from fills: win rate (binomial), slippage vs expected, trade frequency
(Poisson). Each needs the matching expectation and enough fills to say anything."""

from __future__ import annotations

import math

from perfdesk.analytics.rules._common import (
    SECONDS_PER_DAY,
    graded,
    graded_p,
    insufficient,
    not_applicable,
    result,
    to_datetime,
)
from perfdesk.analytics.stat_tests import binom_cdf, poisson_two_sided
from perfdesk.analytics.streaming import EquityStats
from perfdesk.domain.expectations import Expectations
from perfdesk.domain.status import Status
from perfdesk.domain.thresholds import (
    SlippageThresholds,
    TradeFrequencyThresholds,
    WinRateThresholds,
)
from perfdesk.domain.verdict import RuleResult

WIN_RATE = "win_rate"
SLIPPAGE = "slippage"
TRADE_FREQUENCY = "trade_frequency"


def win_rate_rule(
    stats: EquityStats, exp: Expectations | None, th: WinRateThresholds
) -> RuleResult:
    """One-sided binomial test: P(at most this many wins | expected win rate)."""
    expected = exp.win_rate if exp else None
    t = stats.trades
    if expected is None:
        return not_applicable(WIN_RATE, "no expected win rate", "fraction")
    if t.trades < th.min_trades:
        return insufficient(WIN_RATE, f"{t.trades} of {th.min_trades} closed trades", "fraction")
    p = binom_cdf(t.wins, t.trades, expected)
    rate = t.wins / t.trades
    status = graded_p(p, th.warning_p, th.critical_p)
    return result(
        rule=WIN_RATE,
        status=status,
        value=rate,
        limit=expected,
        unit="fraction",
        message=f"win rate {rate:.1%} vs expected {expected:.1%} over {t.trades} trades "
        f"(p={p:.3g})",
        since=to_datetime(t.first_ts) if status.severity >= 2 else None,
        evidence={
            "value": rate,
            "limit": expected,
            "p_value": p,
            "wins": t.wins,
            "trades": t.trades,
            "warning_p": th.warning_p,
            "critical_p": th.critical_p,
        },
    )


def slippage_rule(
    stats: EquityStats, exp: Expectations | None, th: SlippageThresholds
) -> RuleResult:
    """Mean live slippage (bps) against expected × ratio + slack."""
    expected = exp.slippage_bps if exp else None
    s = stats.trades.slippage_bps
    if expected is None:
        return not_applicable(SLIPPAGE, "no expected slippage", "bps")
    if s.n < th.min_fills:
        return insufficient(
            SLIPPAGE, f"{s.n} of {th.min_fills} fills with an expected price", "bps"
        )
    warn = expected * th.warning_ratio + th.slack_bps
    crit = expected * th.critical_ratio + th.slack_bps
    status = graded(s.mean, warn, crit)
    limit = warn if status is Status.OK else crit
    return result(
        rule=SLIPPAGE,
        status=status,
        value=s.mean,
        limit=limit,
        unit="bps",
        message=f"slippage {s.mean:.1f} bps vs expected {expected:.1f} bps over {s.n} fills",
        since=to_datetime(stats.trades.first_ts) if status.severity >= 2 else None,
        evidence={
            "value": s.mean,
            "limit": limit,
            "expected": expected,
            "n_fills": s.n,
            "std_bps": s.std,
            "warning_limit": warn,
            "critical_limit": crit,
        },
    )


def elapsed_days(start: float, end: float, *, weekdays_only: bool) -> float:
    """Days elapsed between two POSIX times (UTC); with `weekdays_only`, Saturdays and
    Sundays (UTC) do not count, so a weekend adds nothing."""
    if end <= start:
        return 0.0
    if not weekdays_only:
        return (end - start) / SECONDS_PER_DAY
    d0, d1 = math.floor(start / SECONDS_PER_DAY), math.floor(end / SECONDS_PER_DAY)
    if d0 == d1:
        return (end - start) / SECONDS_PER_DAY if _weekday(d0) else 0.0
    first = ((d0 + 1) * SECONDS_PER_DAY - start) / SECONDS_PER_DAY if _weekday(d0) else 0.0
    last = (end - d1 * SECONDS_PER_DAY) / SECONDS_PER_DAY if _weekday(d1) else 0.0
    return first + _weekdays_between(d0 + 1, d1) + last


def _weekday(day: int) -> bool:
    """Is UTC day number `day` (days since 1970-01-01, a Thursday) Monday to Friday?"""
    return (day + 3) % 7 < 5


def _weekdays_between(a: int, b: int) -> int:
    """Weekdays among day numbers a ≤ d < b."""
    weeks, rest = divmod(max(0, b - a), 7)
    return 5 * weeks + sum(_weekday(a + 7 * weeks + i) for i in range(rest))


def trade_frequency_rule(
    stats: EquityStats, exp: Expectations | None, th: TradeFrequencyThresholds
) -> RuleResult:
    """Two-sided Poisson test of the fill count over the elapsed trading time.

    `trades_per_day` is per trading day: with `periods_per_year` below 365 (252, the
    default) only Monday–Friday (UTC) count, so a weekend without trading is not a
    shortfall; with 365 or more (markets that trade every day) calendar days count.
    """
    rate = exp.trades_per_day if exp else None
    if exp is None or rate is None:
        return not_applicable(TRADE_FREQUENCY, "no expected trades per day", "fills")
    if stats.n_samples == 0:
        return insufficient(TRADE_FREQUENCY, "no live data yet", "fills")
    start = min(stats.first_ts, stats.trades.first_ts or stats.first_ts)
    end = max(stats.last_ts, stats.trades.last_ts)
    weekdays_only = exp.periods_per_year < 365
    days = elapsed_days(start, end, weekdays_only=weekdays_only)
    if days < th.min_days:
        return insufficient(TRADE_FREQUENCY, f"{days:.2f} of {th.min_days} days observed", "fills")
    mu = rate * days
    k = stats.trades.fills
    p = poisson_two_sided(k, mu)
    status = graded_p(p, th.warning_p, th.critical_p)
    return result(
        rule=TRADE_FREQUENCY,
        status=status,
        value=float(k),
        limit=mu,
        unit="fills",
        message=f"{k} fills in {days:.1f} {'trading ' if weekdays_only else ''}days, "
        f"{mu:.1f} expected (p={p:.3g})",
        since=to_datetime(start) if status.severity >= 2 else None,
        evidence={
            "value": k,
            "limit": mu,
            "expected": mu,
            "days": days,
            "weekdays_only": weekdays_only,
            "p_value": p,
            "warning_p": th.warning_p,
            "critical_p": th.critical_p,
        },
    )
