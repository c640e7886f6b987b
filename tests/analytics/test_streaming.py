"""Streaming state equals batch computations on the same series."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfdesk.analytics.streaming import EquityStats, RunningMoments

DAY = 86_400.0

equities = st.lists(
    st.floats(min_value=1.0, max_value=1e6, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=200,
)


def _feed(values: list[float], step: float = 60.0, t0: float = 1_700_000_000.0) -> EquityStats:
    stats = EquityStats()
    for i, v in enumerate(values):
        stats.update(t0 + i * step, v)
    return stats


def _batch_max_drawdown(values: np.ndarray) -> float:
    peaks = np.maximum.accumulate(values)
    return float(np.max((peaks - values) / peaks))


@given(equities)
@settings(max_examples=200, deadline=None)
def test_drawdowns_equal_batch(values: list[float]) -> None:
    stats = _feed(values)
    arr = np.asarray(values)
    assert stats.max_drawdown == pytest.approx(_batch_max_drawdown(arr), rel=1e-12, abs=1e-15)
    peak = arr.max()
    assert stats.peak == peak
    assert stats.drawdown == pytest.approx((peak - arr[-1]) / peak, rel=1e-12, abs=1e-15)
    assert stats.n_samples == len(values)


@given(equities)
@settings(max_examples=200, deadline=None)
def test_return_moments_equal_batch(values: list[float]) -> None:
    stats = _feed(values)
    rets = np.diff(values) / np.asarray(values[:-1])
    assert stats.returns.n == len(rets)
    if len(rets) >= 1:
        assert stats.mean_return == pytest.approx(rets.mean(), rel=1e-9, abs=1e-12)
    if len(rets) >= 2:
        assert stats.var_return == pytest.approx(rets.var(ddof=1), rel=1e-7, abs=1e-12)
    else:
        assert math.isnan(stats.var_return)


@given(st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=300))
def test_running_moments_equal_numpy(xs: list[float]) -> None:
    m = RunningMoments()
    for x in xs:
        m.push(x)
    assert m.mean == pytest.approx(np.mean(xs), rel=1e-9, abs=1e-9)
    assert m.variance == pytest.approx(np.var(xs, ddof=1), rel=1e-7, abs=1e-7)


def test_sharpe_none_below_two_returns_and_zero_variance() -> None:
    assert _feed([100.0, 101.0]).sharpe() is None
    assert _feed([100.0, 100.0, 100.0, 100.0]).sharpe() is None
    stats = _feed([100.0, 101.0, 100.5, 102.0])
    rets = np.diff([100.0, 101.0, 100.5, 102.0]) / np.array([100.0, 101.0, 100.5])
    expected = rets.mean() / rets.std(ddof=1) * math.sqrt(252)
    assert stats.sharpe(252) == pytest.approx(expected)


def test_drawdown_since_is_the_peak_time() -> None:
    stats = EquityStats()
    stats.update(0.0, 100.0)
    stats.update(10.0, 120.0)
    assert stats.drawdown_since is None
    stats.update(20.0, 90.0)
    stats.update(30.0, 110.0)
    assert stats.drawdown_since == 10.0
    assert stats.max_drawdown == pytest.approx(0.25)
    assert (stats.max_drawdown_start, stats.max_drawdown_end) == (10.0, 20.0)
    assert stats.last_ts == 30.0


def test_pnl_today_counts_from_previous_close() -> None:
    stats = EquityStats()
    stats.update(0.5 * DAY, 100.0)
    stats.update(0.6 * DAY, 104.0)
    assert stats.pnl_today == pytest.approx(4.0)  # first day: since the first sample
    stats.update(1.2 * DAY, 103.0)
    assert stats.pnl_today == pytest.approx(-1.0)  # since yesterday's close (104)
    stats.update(1.9 * DAY, 110.0)
    assert stats.pnl_today == pytest.approx(6.0)


def test_daily_returns_close_to_close() -> None:
    stats = EquityStats()
    closes = [100.0, 102.0, 99.0, 105.0]
    for d, c in enumerate(closes):
        stats.update(d * DAY + 100, c * 0.99)  # intraday noise
        stats.update(d * DAY + 200, c)
    stats.update(len(closes) * DAY + 1, 1.0)  # next day closes the last
    want = np.diff(closes) / np.asarray(closes[:-1])
    assert stats.daily.values == pytest.approx(list(want))
    assert stats.daily_sharpe(252) == pytest.approx(want.mean() / want.std(ddof=1) * math.sqrt(252))


def test_an_astronomic_daily_return_leaves_no_shape_and_no_exception() -> None:
    # valid protocol values: equity 1e-171 one day, 1.0 the next (a return of 1e171,
    # whose cube overflowed a float and left the power sums half updated)
    stats = EquityStats()
    for day, equity in enumerate([1e-171, 1.0, 1.01, 0.99, 1.02]):
        stats.update(day * DAY + 60, equity)
    stats.update(5 * DAY + 60, 1.0)  # closes the last day
    assert len(stats.daily.values) == 4  # the first day has no previous close
    assert stats.daily.values[0] == pytest.approx(1e171)
    n, sharpe, skew, kurtosis = stats.daily.shape()
    assert n == 4 and math.isnan(sharpe) and math.isnan(skew) and math.isnan(kurtosis)


@given(st.lists(st.floats(-0.2, 0.2), min_size=3, max_size=120))
@settings(max_examples=100, deadline=None)
def test_daily_shape_equals_batch_moments(rets: list[float]) -> None:
    from perfdesk.analytics.metrics.sharpe_stats import moments

    stats = EquityStats()
    equity = 100.0
    stats.update(0.5 * DAY, equity)
    for i, r in enumerate(rets):
        equity *= 1 + r
        stats.update((i + 1.5) * DAY, equity)
    stats.update((len(rets) + 1.5) * DAY, equity)  # closes the last day
    n, sr, g3, g4 = stats.daily.shape()
    bn, bsr, bg3, bg4 = moments(np.asarray(stats.daily.values))
    assert n == bn == len(rets)
    if math.isnan(bsr) or np.var(stats.daily.values) < 1e-12:
        return
    assert sr == pytest.approx(bsr, rel=1e-6, abs=1e-9)
    assert g3 == pytest.approx(bg3, rel=1e-5, abs=1e-6)
    assert g4 == pytest.approx(bg4, rel=1e-5, abs=1e-6)


def test_slippage_is_positive_when_worse() -> None:
    stats = EquityStats()
    stats.fill(0.0, "A", "buy", qty=1, price=100.05, expected_price=100.0)
    stats.fill(1.0, "A", "sell", qty=1, price=99.97, expected_price=100.0)
    assert stats.trades.slippage_bps.mean == pytest.approx(4.0)
    assert stats.trades.fills == 2 and stats.trades.win_rate == 0.0


@given(equities)
@settings(max_examples=100, deadline=None)
def test_sharpe_and_pnl_today_equal_batch(values: list[float]) -> None:
    step = 3 * 3600.0  # 8 samples a day
    t0 = 1_700_000_000.0 - (1_700_000_000.0 % DAY)
    stats = _feed(values, step=step, t0=t0)
    arr = np.asarray(values)
    rets = np.diff(arr) / arr[:-1]
    if rets.size >= 2 and rets.std(ddof=1) > 1e-12:
        want = rets.mean() / rets.std(ddof=1) * math.sqrt(252)
        assert stats.sharpe(252) == pytest.approx(want, rel=1e-6, abs=1e-9)
    days = np.floor((t0 + np.arange(arr.size) * step) / DAY)
    last_day = days[-1]
    before = arr[days < last_day]
    open_equity = before[-1] if before.size else arr[0]
    assert stats.pnl_today == pytest.approx(arr[-1] - open_equity, rel=1e-12, abs=1e-9)


fills = st.lists(
    st.tuples(
        st.sampled_from(["buy", "sell"]),
        st.integers(1, 5),
        st.floats(90, 110),
        st.floats(-0.01, 0.01),
    ),
    min_size=1,
    max_size=60,
)


@given(fills)
@settings(max_examples=150, deadline=None)
def test_trade_stats_equal_batch_replay(seq: list[tuple[str, int, float, float]]) -> None:
    """Win rate and slippage from the O(1) stream equal a batch FIFO-free recomputation
    (average cost, one symbol) over the whole fill list."""
    stats = EquityStats()
    for i, (side, qty, px, slip) in enumerate(seq):
        stats.fill(float(i), "S", side, qty=float(qty), price=px * (1 + slip), expected_price=px)
    wins = losses = 0
    pos = avg = 0.0
    slips = []
    for side, qty, px, slip in seq:
        sign = 1.0 if side == "buy" else -1.0
        price = px * (1 + slip)
        slips.append(sign * (price - px) / px * 1e4)
        if pos == 0 or (pos > 0) == (sign > 0):
            avg = (avg * abs(pos) + price * qty) / (abs(pos) + qty)
            pos += sign * qty
            continue
        closed = min(qty, abs(pos))
        pnl = (price - avg) * closed * (1 if pos > 0 else -1)
        wins, losses = wins + (pnl > 0), losses + (pnl < 0)
        pos += sign * qty
        if pos != 0 and (pos > 0) == (sign > 0):
            avg = price
    assert (stats.trades.wins, stats.trades.losses) == (wins, losses)
    assert stats.trades.slippage_bps.mean == pytest.approx(np.mean(slips), rel=1e-9, abs=1e-9)
