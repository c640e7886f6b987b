"""Versioned thresholds with audit trail, and expectation profiles, on a real PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest

from perfdesk.domain.events import StrategyInfo
from perfdesk.domain.expectations import Expectations
from perfdesk.domain.status import StrategyState
from perfdesk.domain.thresholds import DrawdownThresholds, Thresholds
from perfdesk.services.store.config_store import ConfigStore
from perfdesk.services.store.store import Store


def _t(warning: float) -> Thresholds:
    return Thresholds(drawdown=DrawdownThresholds(warning_ratio=warning, critical_ratio=2.0))


async def test_each_save_is_a_version_with_an_audit_row(store: Store) -> None:
    config = ConfigStore(store)
    assert await config.load("a") is None
    first = await config.save("a", _t(0.5), "ann")
    second = await config.save("a", _t(0.7), "bob", comment="looser")
    assert (first.version, second.version) == (1, 2)
    current = await config.load("a")
    assert current is not None and current.thresholds == _t(0.7) and current.who == "bob"
    assert [v.version for v in await config.history("a")] == [2, 1]
    audit = await config.audit("a")
    assert [(a.version, a.actor, a.action) for a in audit] == [
        (1, "ann", "save"),
        (2, "bob", "save"),
    ]
    assert audit[0].old is None
    assert audit[1].old is not None and audit[1].old["drawdown"]["warning_ratio"] == 0.5
    assert audit[1].new["drawdown"]["warning_ratio"] == 0.7


async def test_revert_makes_a_new_version_and_global_scope_is_separate(store: Store) -> None:
    config = ConfigStore(store)
    await config.save(None, _t(0.9), "ops")
    await config.save("a", _t(0.5), "ann")
    await config.save("a", _t(0.6), "ann")
    reverted = await config.revert("a", 1, "cat")
    assert reverted.version == 3 and reverted.thresholds == _t(0.5)
    assert (await config.audit("a"))[-1].action == "revert"
    glob = await config.load(None)
    assert glob is not None and glob.thresholds == _t(0.9)
    assert len(await config.audit(all_scopes=True)) == 4
    with pytest.raises(LookupError):
        await config.revert("a", 99, "cat")


async def test_concurrent_saves_get_distinct_versions(store: Store) -> None:
    config = ConfigStore(store)
    saved = await asyncio.gather(*(config.save("a", _t(0.1 + i / 10), f"u{i}") for i in range(5)))
    assert sorted(s.version for s in saved) == [1, 2, 3, 4, 5]


async def test_expectations_are_versioned_and_mirrored(store: Store) -> None:
    config = ConfigStore(store)
    await store.upsert_strategy(
        StrategyInfo(strategy_id="a", name="A", status=StrategyState.ACTIVE)
    )
    assert await config.load_expectations("a") is None
    assert await config.save_expectations("a", Expectations(sharpe=1.0), "ann") == 1
    assert (
        await config.save_expectations("a", Expectations(sharpe=2.0), "ann", source="backtest") == 2
    )
    assert await config.load_expectations("a") == Expectations(sharpe=2.0)
    [info] = await store.strategies()
    assert info.expectations == Expectations(sharpe=2.0)
