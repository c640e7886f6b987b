"""Alert settings stored in PostgreSQL, validated, and applied live (desktop and collector)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from collector_helpers import simulator, wait_for

from perfdesk.domain.alerts import AlertSettings, AlertState
from perfdesk.domain.status import Status
from perfdesk.domain.verdict import RuleResult, Verdict
from perfdesk.services.alerts.manager import AlertManager
from perfdesk.services.alerts.store import LiveAlertSettings
from perfdesk.services.collector.service import Collector, CollectorConfig
from perfdesk.services.store.config_store import (
    AlertSettingsError,
    AlertSettingsStore,
    SavedAlertSettings,
    validate_alert_settings,
)
from perfdesk.services.store.store import Store

T0 = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


def _warn(sid: str = "s1") -> Verdict:
    rule = RuleResult(rule="drawdown", status=Status.WARNING, message="drawdown warning")
    return Verdict(strategy_id=sid, ts=T0, rules=(rule,))


def test_validation_names_each_bad_field_with_its_title_and_bounds() -> None:
    with pytest.raises(AlertSettingsError) as caught:
        validate_alert_settings(
            {
                "for_warning_s": 5000,
                "keep_firing_s": "soon",
                "recovery_margin": math.nan,
                "renotify_after_s": True,
                "colour": "red",
            }
        )
    errors = caught.value.errors
    assert set(errors) == {
        "for_warning_s", "keep_firing_s", "recovery_margin", "renotify_after_s", "colour",
    }  # fmt: skip
    assert errors["for_warning_s"].startswith("Warning must hold for:")
    assert "from 0 to 3600" in errors["for_warning_s"] and "5000" in errors["for_warning_s"]
    assert "'soon'" in errors["keep_firing_s"]
    assert "finite" in errors["recovery_margin"]
    assert "True" in errors["renotify_after_s"]
    assert "unknown setting" in errors["colour"] and "for_warning_s" in errors["colour"]
    assert "for_warning_s" in str(caught.value)  # the exception text alone is enough too
    with pytest.raises(AlertSettingsError, match="finite"):
        validate_alert_settings({"keep_firing_s": "-inf"})
    with pytest.raises(AlertSettingsError, match="Recovery margin"):
        validate_alert_settings({"recovery_margin": -0.1})
    # Form text is accepted as numbers; missing fields keep their defaults.
    ok = validate_alert_settings({"for_warning_s": "2.5", "keep_firing_s": 0})
    assert ok == AlertSettings(for_warning_s=2.5, keep_firing_s=0)


async def test_versions_history_revert_and_refused_values(store: Store) -> None:
    settings = AlertSettingsStore(store.pool)
    assert await settings.load() == SavedAlertSettings(0, AlertSettings())  # nothing stored
    v1 = await settings.save({"for_warning_s": 10}, "risk", "slower warnings")
    v2 = await settings.save(AlertSettings(keep_firing_s=5), "ops")
    assert (v1.version, v2.version) == (1, 2)
    assert v1.who == "risk" and v1.comment == "slower warnings" and v1.at is not None
    assert await settings.load() == v2
    assert [s.version for s in await settings.history()] == [2, 1]
    v3 = await settings.revert(1, "risk")
    assert (v3.version, v3.settings, v3.comment) == (3, v1.settings, "revert to v1")
    with pytest.raises(LookupError):
        await settings.revert(9, "risk")
    with pytest.raises(AlertSettingsError) as caught:
        await settings.save({"for_critical_s": -1}, "risk")
    assert set(caught.value.errors) == {"for_critical_s"}
    with pytest.raises(AlertSettingsError, match="who"):
        await settings.save({}, "")
    assert (await settings.load()).version == 3  # nothing stored by the refused saves


async def test_a_saved_change_applies_to_the_manager_at_once(store: Store) -> None:
    manager = AlertManager(AlertSettings(for_warning_s=3600))
    live = LiveAlertSettings(store.pool, manager)
    seen: list[int] = []
    live.listeners.append(lambda saved: seen.append(saved.version))
    await live.start()
    # Nothing stored yet: the manager keeps the settings it was built with.
    assert manager.settings.for_warning_s == 3600 and live.current.version == 0
    manager.process([_warn()], T0)
    assert manager.get("s1/drawdown").state is AlertState.PENDING  # type: ignore[union-attr]

    saved = await live.save({"for_warning_s": 0, "keep_firing_s": 0}, "risk")
    assert manager.settings == saved.settings == live.settings
    manager.process([_warn()], T0 + timedelta(seconds=1))  # long before the old 3600 s
    assert manager.get("s1/drawdown").state is AlertState.FIRING  # type: ignore[union-attr]
    assert seen == [1]

    # Another process (a collector) saved v2: a reload applies it; a stale reload does not
    # go back to an older version.
    other = LiveAlertSettings(store.pool)
    await other.save({"for_warning_s": 30}, "ops")
    assert await live.reload() is True
    assert manager.settings.for_warning_s == 30 and seen == [1, 2]
    assert await live.reload() is False and seen == [1, 2]


async def test_a_stored_row_not_valid_here_keeps_the_settings_in_force(store: Store) -> None:
    manager = AlertManager()
    live = LiveAlertSettings(store.pool, manager)
    await live.save({"keep_firing_s": 7}, "risk")
    await store.pool.execute(
        "INSERT INTO alert_settings_versions (version, settings, created_by)"
        " VALUES (2, '{\"keep_firing_s\": -1, \"future_field\": 1}', 'newer-perfdesk')"
    )
    assert await live.reload() is False
    assert live.load_error is not None and "keep_firing_s" in live.load_error
    assert manager.settings.keep_firing_s == 7 and live.current.version == 1
    assert [s.version for s in await live.history()] == [1]  # the bad row is left out


async def test_the_collector_applies_settings_saved_elsewhere_without_restart(
    db_dsn: str,
) -> None:
    await (await Store.open(db_dsn)).close()
    desk = await asyncpg.create_pool(db_dsn, min_size=1, max_size=2)
    try:
        await AlertSettingsStore(desk).save({"keep_firing_s": 11}, "risk")
        async with simulator() as (_sim, url):
            config = CollectorConfig(dsn=db_dsn, engine_url=url, heartbeat_s=0.2)
            collector = await Collector.start(config)
            try:
                manager = collector.runtime.alerts
                assert manager.settings.keep_firing_s == 11  # loaded before the first cycle
                new = await AlertSettingsStore(desk).save(
                    {"for_warning_s": 1, "recovery_margin": 0.1}, "trader"
                )
                await wait_for(lambda: manager.settings == new.settings, "applied via NOTIFY")
                assert collector.runtime.alert_settings.current.who == "trader"
            finally:
                await collector.stop()
    finally:
        await desk.close()
