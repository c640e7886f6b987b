"""The retention setting as Settings shows it: read, save, and what it keeps / frees.

    settings = RetentionSettings(store.pool)
    state = await settings.load()            # RetentionState: the setting + its overview
    state = await settings.save(StorageRetention(raw_days=30, minute_bar_months=6))

The overview is cheap at any size: it sums the daily bars (one row per strategy-day;
`samples` counts the raw equity rows of each day), never the raw tables. Days already
deleted by retention (`retention_marks`) are not counted again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from perfdesk.domain.storage_retention import StorageRetention
from perfdesk.services.store import retention


@dataclass(frozen=True)
class RetentionOverview:
    """What the setting does to the stored data now (counts over whole UTC days)."""

    raw_samples_stored: int
    raw_samples_to_delete: int
    minute_days_stored: int
    """Strategy-days whose 1-minute bars are still stored."""
    minute_days_to_delete: int
    daily_bars: int
    first_day: datetime | None


@dataclass(frozen=True)
class RetentionState:
    setting: StorageRetention
    stored_minute_bar_days: int | None
    """As stored (the form rounds days that are not whole months up)."""
    overview: RetentionOverview


_OVERVIEW_SQL = """
SELECT coalesce(sum(d.samples) FILTER (WHERE raw_kept), 0)::bigint,
       coalesce(sum(d.samples) FILTER (WHERE raw_kept AND d.bucket < $1), 0)::bigint,
       count(*) FILTER (WHERE minute_kept),
       count(*) FILTER (WHERE minute_kept AND d.bucket < $2),
       count(*),
       min(d.bucket)
FROM rollup_1d d
LEFT JOIN retention_marks m USING (strategy_id),
LATERAL (SELECT d.bucket >= coalesce(m.raw_before, '-infinity') AS raw_kept,
                d.bucket >= coalesce(m.minute_before, '-infinity') AS minute_kept) k
"""


class RetentionSettings:
    """The shared retention setting over a Store's pool (runs on the pool's loop)."""

    def __init__(self, pool: Any) -> None:
        self._pool = pool

    async def load(self, now: datetime | None = None) -> RetentionState:
        stored = await retention.load_retention(self._pool)
        setting = StorageRetention.from_days(stored.raw_days, stored.minute_bar_days)
        return RetentionState(setting, stored.minute_bar_days, await self.overview(setting, now))

    async def save(self, setting: StorageRetention) -> RetentionState:
        """Store the setting (the collector applies it at its next run)."""
        await retention.save_retention(
            self._pool, retention.Retention(setting.raw_days, setting.minute_bar_days)
        )
        return await self.load()

    async def overview(
        self, setting: StorageRetention, now: datetime | None = None
    ) -> RetentionOverview:
        """What `setting` keeps and would delete at `now` (default: now)."""
        now = now or datetime.now(UTC)
        row = await self._pool.fetchrow(
            _OVERVIEW_SQL,
            retention._cutoff(now, setting.raw_days),
            retention._cutoff(now, setting.minute_bar_days),
        )
        return RetentionOverview(*row)
