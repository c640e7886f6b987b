"""Thresholds at the edges of what their form accepts never stop the validator judging.

A trader can type (or import) any value the Thresholds model admits: a critical p-value
of 5e-324, a stale limit of 1e-300 seconds, a false-discovery rate of 0.999…, a drawdown
ratio of 1e-300. Every such draft must give a verdict of every rule, through the
false-discovery control, with finite or absent values — never a raised rule."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from profiled_strategy import profiled_strategy
from pydantic import ValidationError

from perfdesk.analytics.rules import registry
from perfdesk.analytics.validator import JUDGE_FAILED, validate_many
from perfdesk.domain.expectations import Expectations
from perfdesk.domain.thresholds import Thresholds
from perfdesk.domain.verdict import Verdict

DAY = 86_400.0
T0 = 20_000 * DAY + 72_000.0
EDGES = [5e-324, 1e-300, 1e-12, 0.1, 0.4999999999, 0.5, 0.75, 0.99, 1 - 1e-16]
EDGES += [1.0, 2.0, 10.0, 10_000.0, 1e12, 1e300]
DEFAULTS = Thresholds().model_dump(mode="json")
PATHS = [
    (group, key) if isinstance(fields, dict) else (group,)
    for group, fields in DEFAULTS.items()
    for key in (fields if isinstance(fields, dict) else [None])
]


def _storable(verdict: Verdict) -> None:
    """What the store writes to jsonb is strict JSON: no NaN, no Infinity."""
    json.dumps([r.model_dump(mode="json") for r in verdict.rules], allow_nan=False)


def _with(overrides: list[tuple[tuple[str, ...], float]]) -> Thresholds:
    """The defaults with each override that the model accepts on its own applied."""
    data: dict[str, Any] = copy.deepcopy(DEFAULTS)
    for path, value in overrides:
        trial = copy.deepcopy(data)
        target = trial
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        try:
            Thresholds.model_validate(trial)
        except ValidationError:
            continue
        data = trial
    return Thresholds.model_validate(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(PATHS), st.sampled_from(EDGES)), max_size=40))
def test_edge_thresholds_never_stop_the_validator(overrides) -> None:
    stats, exp = profiled_strategy()
    thresholds = _with(overrides)
    now = datetime.fromtimestamp(stats.last_ts + 1, UTC)
    failures: list[str] = []
    (verdict,) = validate_many(
        [("s", stats, exp, thresholds)],
        now,
        thresholds.false_discovery_rate,
        on_error=lambda where, exc: failures.append(f"{where}: {exc!r}"),
    )
    assert not failures
    assert [r.rule for r in verdict.rules] != [JUDGE_FAILED]
    assert {r.rule for r in verdict.rules} == set(registry.rule_ids())
    _storable(verdict)


def test_the_edges_reach_every_field() -> None:
    """Every numeric field takes at least one edge value besides its default (the
    property above is not exercising the defaults only)."""
    for path in PATHS:
        taken = set()
        for edge in EDGES:
            value = _with([(path, edge)])
            for key in path:
                value = getattr(value, key)
            taken.add(value)
        assert len(taken) >= 2, (path, taken)


EXPECTATION_EDGES: dict[str, list[Any]] = {
    "annual_return": [-1.0, -0.999999, 0.0, 1e-300, 100.0],
    "annual_volatility": [0.0, 5e-324, 1e-300, 100.0],
    "sharpe": [-10.0, 0.0, 1e-300, 20.0],
    "max_drawdown": [5e-324, 1e-300, 1.0],
    "win_rate": [0.0, 1.0, 5e-324],
    "trades_per_day": [0.0, 5e-324, 1e300],
    "slippage_bps": [0.0, 5e-324, 1e300],
    "periods_per_year": [1, 2, 366 * 24 * 3600],
}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.sampled_from(sorted(EXPECTATION_EDGES)),
        st.integers(0, 4),
        max_size=len(EXPECTATION_EDGES),
    ),
    st.booleans(),
)
def test_edge_expectations_never_stop_the_validator(picks, with_profile) -> None:
    """What an engine may announce (or a backtest CSV give) at the edges of the model:
    a win rate of 1, a max drawdown of 5e-324, 31.6 million periods a year."""
    stats, profiled = profiled_strategy()
    fields = {k: EXPECTATION_EDGES[k][i % len(EXPECTATION_EDGES[k])] for k, i in picks.items()}
    exp = Expectations(**fields, profile=profiled.profile if with_profile else None)
    now = datetime.fromtimestamp(stats.last_ts + 1, UTC)
    failures: list[str] = []
    (verdict,) = validate_many(
        [("s", stats, exp, Thresholds())],
        now,
        on_error=lambda where, exc: failures.append(f"{where}: {exc!r}"),
    )
    assert not failures, fields
    assert verdict.rules and all(r.rule != JUDGE_FAILED for r in verdict.rules)
    _storable(verdict)
