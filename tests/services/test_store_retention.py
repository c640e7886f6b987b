"""Retention per resolution (migration 0601, store/retention.py) on plain PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import asyncpg
import pytest

from perfdesk.bench.storage import EPOCH, synthetic_events
from perfdesk.services.store import retention as ret
from perfdesk.services.store.store import Store

DAYS = 10
NOW = EPOCH + timedelta(days=DAYS, hours=5)


async def _load(store: Store) -> None:
    """A sub-minute strategy (stored 1-minute bars) and a once-a-minute one (raw mode)."""
    await store.write_events(
        list(synthetic_events("fast", DAYS * 2880, step_s=30, fill_every=9, status_every=400))
    )
    await store.write_events(list(synthetic_events("slow", DAYS * 1440, step_s=60, fill_every=6)))


async def _raw_rows_gone(store: Store, limit_s: float = 15.0) -> bool:
    """Wait until the storage task has deleted every raw equity row (False on timeout)."""
    for _ in range(int(limit_s / 0.05)):
        if not await store.pool.fetchval("SELECT count(*) FROM equity"):
            return True
        await asyncio.sleep(0.05)
    return False


def test_settings_are_checked() -> None:
    assert ret.Retention(3, 6) == ret.Retention(raw_days=3, minute_bar_days=6)
    with pytest.raises(ret.RetentionError, match="at least as long as raw samples"):
        ret.Retention(raw_days=30, minute_bar_days=7)
    with pytest.raises(ret.RetentionError, match="at least as long as raw samples"):
        ret.Retention(raw_days=None, minute_bar_days=7)
    with pytest.raises(ret.RetentionError, match="raw_days must be a whole number"):
        ret.Retention(raw_days=0)
    policy = ret.policy_for(ret.Retention(3, 6))
    assert policy.raw_retention == timedelta(days=3)
    assert policy.rollup_retention == timedelta(days=6)


async def test_settings_round_trip_and_the_database_refuses_bad_ones(store: Store) -> None:
    assert await ret.load_retention(store.pool) == ret.Retention()
    await ret.save_retention(store.pool, ret.Retention(14, 90))
    assert await ret.load_retention(store.pool) == ret.Retention(14, 90)
    with pytest.raises(asyncpg.CheckViolationError):
        await store.pool.execute("UPDATE storage_settings SET minute_bar_days = 2")


async def test_old_days_go_per_resolution_and_the_rest_reads_the_same(store: Store) -> None:
    await _load(store)
    assert await store.pool.fetchval(
        "SELECT minute_bars FROM ingest_state WHERE strategy_id = 'slow'"
    ) is False  # fmt: skip
    raw_cut = EPOCH + timedelta(days=DAYS - 3)  # midnight at or before NOW - 3 days
    minute_cut = EPOCH + timedelta(days=DAYS - 6)
    before = {sid: await store.rollups(sid, "1m", start=minute_cut) for sid in ("fast", "slow")}
    days_before = {sid: await store.rollups(sid, "1d") for sid in ("fast", "slow")}
    setting = ret.Retention(raw_days=3, minute_bar_days=6)

    first = await ret.apply_retention(store.pool, setting, now=NOW, max_days=3)
    assert not first.done and first.strategy_days == 6  # bounded: 3 raw + 3 minute days
    result = await ret.apply_retention(store.pool, setting, now=NOW)
    assert result.done

    for table in ("equity", "fills", "statuses"):
        oldest = await store.pool.fetchval(f"SELECT min(ts) FROM {table}")
        assert oldest >= raw_cut, table
        assert await store.pool.fetchval(
            f"SELECT count(*) FROM {table} WHERE ts >= $1", raw_cut
        ) > 0  # fmt: skip
    for sid in ("fast", "slow"):
        after = await store.rollups(sid, "1m")
        assert after.bucket[0] == minute_cut.timestamp(), sid  # older minutes are gone
        for field in ("open", "close", "samples", "fills", "fees", "slippage_cost"):
            want = pytest.approx(before[sid][field].tolist(), nan_ok=True)
            assert after[field].tolist() == want, field
        days_after = await store.rollups(sid, "1d")
        assert days_after["close"].tolist() == days_before[sid]["close"].tolist()  # forever
        t, _ = await store.equity_series(sid)
        assert t[0] >= raw_cut.timestamp() and len(t) > 0
    assert (await ret.apply_retention(store.pool, setting, now=NOW)).strategy_days == 0

    # The raw-mode strategy keeps working: more minutes, then a switch to stored bars.
    more = list(synthetic_events("slow", 30, step_s=60, first_seq=DAYS * 1440 + 1, fill_every=0))
    await store.write_events(more)
    assert await store.pool.fetchval(
        "SELECT minute_bars FROM ingest_state WHERE strategy_id = 'slow'"
    ) is False  # fmt: skip
    late = more[-1].ts + timedelta(seconds=5)
    tail = synthetic_events(
        "slow", 3, start=late - timedelta(seconds=(DAYS * 1440 + 30) * 5), step_s=5,
        first_seq=DAYS * 1440 + 31, fill_every=0,
    )  # fmt: skip
    await store.write_events(list(tail))
    bars = await store.rollups("slow", "1m")
    assert bars["samples"][-1] == 4  # the last minute: one sample a minute, then 3 more
    kept_raw = bars["samples"][bars.bucket >= raw_cut.timestamp()]
    stored = await store.pool.fetchval("SELECT count(*) FROM equity WHERE strategy_id = 'slow'")
    assert int(kept_raw.sum()) == stored
    assert bars.bucket[0] == minute_cut.timestamp()


async def test_one_process_at_a_time_and_the_periodic_task(store: Store) -> None:
    await store.write_events(list(synthetic_events("p", 3 * 1440, step_s=60, fill_every=0)))
    setting = ret.Retention(raw_days=1)
    await ret.save_retention(store.pool, setting)
    async with store.pool.acquire() as other:  # another collector is applying it
        await other.execute("SELECT pg_advisory_lock($1)", ret.RETENTION_LOCK_KEY)
        try:
            busy = await ret.apply_retention(store.pool, now=EPOCH + timedelta(days=3))
            assert busy.strategy_days == 0
        finally:
            await other.execute("SELECT pg_advisory_unlock($1)", ret.RETENTION_LOCK_KEY)
    # The collector's task applies the stored setting (real clock: everything is old).
    task = asyncio.get_running_loop().create_task(ret.run_periodically(store.pool, 3600.0))
    try:
        assert await _raw_rows_gone(store)
        assert len(await store.rollups("p", "1d")) == 3  # daily bars are kept
    finally:
        task.cancel()


async def test_the_retention_command(db_dsn: str, capsys: pytest.CaptureFixture[str]) -> None:
    from perfdesk import cli

    def run(*argv: str) -> int:
        return cli.main(["retention", *argv, "--dsn", db_dsn])

    assert await asyncio.to_thread(run, "--raw-days", "30", "--minute-bar-days", "365") == 0
    assert json.loads(capsys.readouterr().out) == {"raw_days": 30, "minute_bar_days": 365}
    assert await asyncio.to_thread(run, "--minute-bar-days", "7") == 2  # shorter than raw
    assert "at least as long as raw samples" in capsys.readouterr().err
    assert await asyncio.to_thread(run, "--minute-bar-days", "forever", "--apply") == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["minute_bar_days"] is None and shown["raw_days"] == 30
    assert shown["applied"]["strategy_days"] == 0


async def test_a_desktop_runtime_applies_the_setting_itself(store: Store) -> None:
    """Without a collector, the desktop's own runtime is the one that applies retention
    (and compaction) — a Settings value nobody applies would be a silent no-op."""
    from perfdesk.services.host.bootstrap import DESK_UPKEEP
    from perfdesk.services.runtime.local import Runtime

    assert DESK_UPKEEP.every_s == 3600.0 and DESK_UPKEEP.first_after_s > 0
    await store.write_events(list(synthetic_events("d", 3 * 1440, step_s=60, fill_every=0)))
    await ret.save_retention(store.pool, ret.Retention(raw_days=1))
    runtime = Runtime(store, None, upkeep=ret.Upkeep(every_s=3600.0, first_after_s=0.1))
    await runtime.start()
    try:
        assert runtime.supervisor.task("storage-upkeep") is not None
        assert await _raw_rows_gone(store)
        assert len(await store.rollups("d", "1d")) == 3  # daily bars are kept
    finally:
        await runtime.stop()
