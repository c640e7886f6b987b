"""Expectations a person saved (Strategy setup) are what a strategy is judged against:
an engine's (re)announcement does not replace them, in the monitor or in the database,
and they survive a restart (real PostgreSQL)."""

from __future__ import annotations

from perfdesk.domain.events import StrategyInfo
from perfdesk.domain.expectations import Expectations
from perfdesk.domain.status import StrategyState
from perfdesk.services.live.monitor import LiveMonitor
from perfdesk.services.live.warmup import warm_up
from perfdesk.services.store.config_store import ConfigStore
from perfdesk.services.store.store import Store

ENGINE = Expectations(sharpe=2.5, max_drawdown=0.05)
SIGNED_OFF = Expectations(sharpe=1.2, max_drawdown=0.15)
LATER_ENGINE = Expectations(sharpe=3.0, max_drawdown=0.02)


def _announce(sid: str, expectations: Expectations | None) -> StrategyInfo:
    return StrategyInfo(
        strategy_id=sid, name=sid.title(), status=StrategyState.ACTIVE, expectations=expectations
    )


def test_the_monitor_keeps_saved_expectations_over_announcements() -> None:
    monitor = LiveMonitor()
    monitor.on_strategy(_announce("a", ENGINE))
    monitor.on_strategy(_announce("b", ENGINE))
    assert monitor.expectations_of("a") == ENGINE
    monitor.set_expectations("a", SIGNED_OFF)
    monitor.on_strategy(_announce("a", LATER_ENGINE))  # e.g. after a reconnect
    monitor.on_strategy(_announce("b", LATER_ENGINE))
    assert monitor.expectations_of("a") == SIGNED_OFF
    assert monitor.expectations_of("b") == LATER_ENGINE  # nothing saved: the engine's
    assert monitor.expectations_of("unknown") is None


async def _stored(store: Store) -> dict[str, Expectations | None]:
    return {info.strategy_id: info.expectations for info in await store.strategies()}


async def test_the_database_keeps_saved_expectations_over_announcements(store: Store) -> None:
    await store.upsert_strategy(_announce("a", ENGINE))
    await store.upsert_strategy(_announce("b", ENGINE))
    assert await store.saved_expectations() == {}
    await ConfigStore(store).save_expectations("a", SIGNED_OFF, "risk")
    await store.upsert_strategy(_announce("a", LATER_ENGINE))
    await store.upsert_strategy(_announce("b", LATER_ENGINE))
    assert await _stored(store) == {"a": SIGNED_OFF, "b": LATER_ENGINE}
    assert await store.saved_expectations() == {"a": SIGNED_OFF}
    assert await store.saved_expectations(["b"]) == {}
    # a newer saved version replaces the older one
    newer = SIGNED_OFF.model_copy(update={"sharpe": 1.0})
    await ConfigStore(store).save_expectations("a", newer, "risk")
    assert await store.saved_expectations(["a", "b"]) == {"a": newer}


async def test_a_restart_judges_by_the_saved_expectations(store: Store) -> None:
    await store.upsert_strategy(_announce("a", ENGINE))
    await ConfigStore(store).save_expectations("a", SIGNED_OFF, "risk")
    monitor = LiveMonitor()  # the restarted app's
    await warm_up(monitor, store)
    assert monitor.expectations_of("a") == SIGNED_OFF
    monitor.on_strategy(_announce("a", LATER_ENGINE))  # the engine announces on connect
    assert monitor.expectations_of("a") == SIGNED_OFF
    other = LiveMonitor()
    await warm_up(other, store, frozenset({"b"}))  # a subset without "a" leaves it alone
    assert other.expectations_of("a") is None
