"""The demo's strategies announce the profile of their own simulated backtest, in a
strategy frame the protocol accepts; the plain simulator's strategies do not."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import orjson
import pytest

from perfdesk.analytics import metrics as m
from perfdesk.domain.events import MAX_FRAME_BYTES, StrategyInfo, parse_frame
from perfdesk.sim import Simulator
from perfdesk.sim.archetypes import BACKTEST_DAYS, RETURN_DECIMALS
from perfdesk.sim.demo import demo_strategies
from perfdesk.sim.returns import simulate_daily


@pytest.fixture(scope="module")
def demo_sim() -> Simulator:
    return Simulator(strategies=demo_strategies())


def test_demo_strategy_frames_carry_a_full_profile_within_the_frame_limit(demo_sim):
    for feed in demo_sim.feeds:
        raw = feed.info_frame()
        size = len(raw.encode())
        # parse_frame refuses frames over the limit; keep room for a longer backtest.
        assert size <= MAX_FRAME_BYTES // 2, (feed.strategy_id, size)
        info = parse_frame(raw)
        assert isinstance(info, StrategyInfo)
        exp = info.expectations
        assert exp is not None and exp.profile is not None
        prof = exp.profile
        assert prof.n_days == len(prof.daily_returns) == len(prof.residuals) == BACKTEST_DAYS
        assert prof.garch is not None and prof.drift is not None and prof.drawdown is not None
        assert prof.drift.loss_tail is not None
        assert prof == feed.expectations.profile  # nothing lost on the wire


def test_the_profile_is_the_backtest_the_summary_figures_come_from(demo_sim):
    for spec, feed in zip(demo_strategies(), demo_sim.feeds, strict=True):
        exp = feed.expectations
        assert exp.profile is not None
        r = np.asarray(exp.profile.daily_returns)
        own = simulate_daily(spec.garch, BACKTEST_DAYS, np.random.default_rng(spec.seed))
        np.testing.assert_array_equal(r, np.round(own, RETURN_DECIMALS))
        # (the summary figures come from the unrounded returns)
        assert exp.max_drawdown == pytest.approx(-m.max_drawdown(r), rel=1e-5)
        assert exp.annual_volatility == pytest.approx(m.annual_volatility(r, 252), rel=1e-5)
        assert exp.profile.sharpe == pytest.approx(exp.sharpe, rel=1e-6)


def test_the_profile_changes_nothing_in_the_stream():
    """The profile draws nothing from the strategy's generator: live frames are the same."""
    spec = demo_strategies()[2]
    with_profile = Simulator(strategies=[spec])
    without = Simulator(strategies=[replace(spec, backtest_profile=False)])
    assert without.feeds[0].expectations.profile is None
    a, b = with_profile.feeds[0], without.feeds[0]
    a.advance(500)  # past the break (its depth follows the declared max drawdown)
    b.advance(500)
    assert a.history.since(0, 10_000) == b.history.since(0, 10_000)
    assert a.expectations.model_copy(update={"profile": None}) == b.expectations


def test_the_plain_simulator_announces_no_profile():
    sim = Simulator(strategies=3, seed=1)
    for feed in sim.feeds:
        exp = orjson.loads(feed.info_frame())["expectations"]
        assert "profile" not in exp and exp["max_drawdown"] > 0
