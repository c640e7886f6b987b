"""A backtest profile at the edges: an engine (or an older database) may hand perfdesk a
profile that passes the wire's JSON but not its own sense — an empty quantile table, a
decreasing one, a GARCH model with a variance of 5e-324. Such a profile is dropped with
a reason naming the field; the strategy, its summary expectations and its stream are
kept, and the validator never stops judging it."""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import math
from datetime import UTC, datetime
from typing import Any

import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from profiled_strategy import profiled_strategy
from pydantic import ValidationError

from perfdesk.analytics.streaming import EquityStats
from perfdesk.analytics.validator import JUDGE_FAILED, validate_many
from perfdesk.domain.events import StrategyInfo, parse_frame, strategy_without_profile
from perfdesk.domain.expectations import Expectations, stored_expectations
from perfdesk.domain.status import Status, StrategyState
from perfdesk.domain.thresholds import Thresholds
from perfdesk.domain.verdict import RuleResult, Verdict
from perfdesk.services.engine.backoff import Backoff
from perfdesk.services.engine.recorder import RecordingHandler
from perfdesk.services.engine.stats import refused_text
from perfdesk.services.engine.ws_client import EngineClient
from perfdesk.services.store.store import Store
from perfdesk.sim import Simulator


def _expectations() -> Expectations:
    return profiled_strategy()[1]


def _table(probs: tuple[float, ...], values: tuple[float, ...]) -> dict[str, Any]:
    return {"probs": probs, "values": values}


HOSTILE: dict[str, tuple[tuple[str, ...], Any]] = {
    "empty table": (("drift", "cusum_max"), _table((), ())),
    "one value short": (("drift", "ph_max"), _table((0.5, 0.9), (1.0,))),
    "decreasing table": (("drift", "filtered_max"), _table((0.5, 0.9), (3.0, 1.0))),
    "unsorted probs": (("drift", "cusum_max"), _table((0.9, 0.5), (1.0, 3.0))),
    "prob above one": (("drift", "loss_tail"), _table((0.5, 1.5), (-0.02, -0.01))),
    "horizon of zero days": (("drift", "horizon_days"), 0),
    "volatility ratio of zero": (("drift", "cusum_vol_ratio"), 0.0),
    "negative Page–Hinkley delta": (("drift", "ph_delta"), -1.0),
    "no drawdown table": (("drawdown",), {"horizons_days": (), "by_horizon": ()}),
    "drawdown horizons backwards": (
        ("drawdown",),
        {"horizons_days": (10, 5), "by_horizon": (_table((0.9,), (0.1,)),) * 2},
    ),
    "variance of 5e-324": (("garch", "omega"), 5e-324),
    "daily mean of 1e300": (("garch", "mu"), 1e300),
    "returns in percent of 1e300": (("daily_returns",), [1e300, -1e300] * 378),
}


def _with(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(_expectations().model_dump(mode="json"))
    target = doc["profile"]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_profile_is_refused_naming_its_field(case: str) -> None:
    path, value = HOSTILE[case]
    with pytest.raises(ValidationError) as raised:
        Expectations.model_validate(_with(path, value))
    assert ".".join(("profile", *path)) in str(raised.value).replace("\n", "."), case


def test_a_built_profile_passes_its_own_checks() -> None:
    exp = _expectations()
    again = Expectations.model_validate_json(exp.model_dump_json())
    assert again == exp and again.profile is not None and again.profile.drift is not None


def _frame(expectations: dict[str, Any], name: str = "Hostile profile") -> bytes:
    return orjson.dumps(
        {
            "type": "strategy",
            "strategy_id": "hostile",
            "name": name,
            "status": "active",
            "expectations": expectations,
        }
    )


def test_a_strategy_frame_whose_only_fault_is_its_profile_keeps_the_strategy() -> None:
    raw = _frame(_with(("drift", "cusum_max"), _table((0.5, 0.9), (3.0, 1.0))))
    with pytest.raises(Exception) as refused:
        parse_frame(raw)
    kept = strategy_without_profile(raw, str(refused.value))
    assert kept is not None
    info, note = kept
    assert info.strategy_id == "hostile" and info.expectations is not None
    assert info.expectations.profile is None
    assert info.expectations.sharpe == _expectations().sharpe  # the summary is kept
    assert "cusum_max" in note and "dropped" in note
    # a frame with another fault besides, or not a strategy frame, is not salvaged
    bad_name = _frame(_with(("garch", "omega"), 5e-324), name="")
    assert strategy_without_profile(bad_name, "x") is None
    assert strategy_without_profile(b'{"type":"equity","strategy_id":"a"}', "x") is None
    for other in (b"not json", b'""', b"7", b"[1]", b"null", b'{"type": 1}'):
        assert strategy_without_profile(other, "x") is None, other


async def test_over_the_wire_the_strategy_and_its_stream_survive_a_hostile_profile() -> None:
    sim = Simulator(strategies=1, rate=2000.0, speedup=1440.0 * 200)
    url = await sim.start()
    handler = RecordingHandler()
    client = EngineClient(url, handler, backoff=Backoff(base_s=0.01, cap_s=0.05))
    task = asyncio.create_task(client.run())
    try:
        await handler.wait_for(lambda: handler.count() > 50)
        await sim.inject(_frame(_with(("drawdown",), {"horizons_days": (), "by_horizon": ()})))
        await handler.wait_for(lambda: "hostile" in handler.strategies)
        before = handler.count()
        await handler.wait_for(lambda: handler.count() > before + 50)  # the stream goes on
    finally:
        await client.stop()
        await task
        await sim.stop()
    info = handler.strategies["hostile"]
    assert info.expectations is not None and info.expectations.profile is None
    assert info.expectations.win_rate == 0.5
    (raw, reason), *_ = handler.dead_letters  # the whole frame, kept for inspection
    assert b'"hostile"' in (raw if isinstance(raw, bytes) else raw.encode())
    assert "profile.drawdown" in reason and "kept" in reason
    assert client.stats.reconnects == 0
    assert refused_text(client.stats) == f"1 engine frame refused (last: {reason})"


async def test_a_stored_profile_that_no_longer_validates_loads_without_it(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    await store.upsert_strategy(
        StrategyInfo(
            strategy_id="old", name="Old", status=StrategyState.ACTIVE,
            expectations=_expectations(),
        )
    )  # fmt: skip
    bad = json.dumps(_with(("drift", "ph_max"), _table((), ())))
    await store._pool.execute(
        "UPDATE strategies SET expectations = $1::jsonb WHERE strategy_id = 'old'", bad
    )
    with caplog.at_level(logging.WARNING):
        (info,) = await store.strategies()
    assert info.expectations is not None and info.expectations.profile is None
    assert info.expectations.sharpe == _expectations().sharpe
    assert any("old" in m and "ph_max" in m for m in caplog.messages)
    summary, note = stored_expectations(bad)
    assert summary == info.expectations and note is not None
    with pytest.raises(ValidationError):  # a fault outside the profile still says so
        stored_expectations(json.dumps({"sharpe": 99.0}))


async def test_a_verdict_with_an_infinite_value_is_stored_with_null(store: Store) -> None:
    """jsonb has no Infinity: such a verdict was refused by the database."""
    now = datetime(2026, 12, 7, tzinfo=UTC)
    rule = RuleResult(
        rule="sharpe_decay", status=Status.OK, message="m", value=math.inf, limit=-math.inf
    )
    await store.save_verdict(Verdict(strategy_id="s", ts=now, rules=(rule,)))
    (row,) = await store._pool.fetch("SELECT rules FROM verdicts")
    (stored,) = json.loads(row["rules"])
    assert stored["value"] is None and stored["limit"] is None
    assert rule.value == math.inf  # in memory the rule keeps what it computed


def test_every_profile_the_schema_admits_is_judged() -> None:
    """The schema's checks are what keeps the validator judging: a profile that passes
    them at its edges still gives a verdict of every rule, storable as strict JSON."""
    stats_exp = _expectations()
    stats, equity = EquityStats(), 1e6
    rng = np.random.default_rng(1)
    for day in range(80):
        equity *= 1 + float(rng.normal(0.0005, 0.01))
        stats.update(1.7e9 + day * 86_400.0, equity)
    admitted = {
        "one-row table": (("drift", "cusum_max"), _table((0.5,), (1.0,))),
        "flat table": (("drift", "ph_max"), _table((0.5, 0.9, 0.999), (2.0, 2.0, 2.0))),
        "shift of 1e300": (("drift", "filtered_shift_sd"), 1e300),
        "explosive GARCH": (("garch", "alpha"), 0.6),
        "smallest variance": (("garch", "omega"), 1e-30),
        "returns of ±1000 %": (("daily_returns",), [10.0, -10.0] * 378),
        "no residuals": (("residuals",), []),
        "two days": (("n_days",), 2),
    }
    now = datetime.fromtimestamp(stats.last_ts + 1, UTC)
    failures: list[str] = []
    for case, (path, value) in admitted.items():
        exp = Expectations.model_validate(_with(path, value))
        (verdict,) = validate_many(
            [("s", stats, exp, Thresholds())], now, on_error=lambda w, e: failures.append(repr(e))
        )
        assert not failures, case
        assert verdict.rules and all(r.rule != JUDGE_FAILED for r in verdict.rules), case
        json.dumps([r.model_dump(mode="json") for r in verdict.rules], allow_nan=False)
    assert stats_exp.profile is not None


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        JSON,
        st.fixed_dictionaries({"type": st.just("strategy"), "expectations": JSON}),
        st.fixed_dictionaries(
            {"type": st.just("strategy"), "expectations": st.fixed_dictionaries({"profile": JSON})}
        ),
    )
)
def test_any_json_is_salvaged_or_refused_never_raises(doc) -> None:
    """The salvage runs on every refused frame: whatever JSON it is, it answers."""
    kept = strategy_without_profile(orjson.dumps(doc), "refused")
    assert kept is None or (kept[0].expectations is not None and "dropped" in kept[1])
