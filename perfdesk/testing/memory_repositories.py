"""In-memory threshold and expectation repositories (tests, screenshots, benchmarks).

The same protocols as the PostgreSQL ConfigStore (views/support/repositories.py), with
the same SavedThresholds values; everything is lost when the process ends.
"""

from __future__ import annotations

from datetime import UTC, datetime

from perfdesk.domain.expectations import Expectations
from perfdesk.domain.thresholds import Thresholds
from perfdesk.services.store.config_store import SavedThresholds


class MemoryThresholdRepository:
    """ThresholdRepository and ExpectationRepository kept in memory (lost on exit)."""

    def __init__(self) -> None:
        self._versions: dict[str | None, list[SavedThresholds]] = {}
        self._expectations: dict[str, Expectations] = {}
        self.announced: dict[str, Expectations] = {}
        """What each strategy's engine announced (tests set it)."""

    async def load(self, strategy_id: str | None) -> SavedThresholds | None:
        versions = self._versions.get(strategy_id)
        return versions[-1] if versions else None

    async def save(
        self,
        strategy_id: str | None,
        thresholds: Thresholds,
        who: str,
        *,
        comment: str | None = None,
    ) -> SavedThresholds:
        versions = self._versions.setdefault(strategy_id, [])
        saved = SavedThresholds(len(versions) + 1, thresholds, who, datetime.now(UTC), comment)
        versions.append(saved)
        return saved

    async def history(self, strategy_id: str | None) -> list[SavedThresholds]:
        return list(reversed(self._versions.get(strategy_id, [])))

    async def load_expectations(self, strategy_id: str) -> Expectations | None:
        return self._expectations.get(strategy_id)

    async def save_expectations(
        self, strategy_id: str, expectations: Expectations, who: str
    ) -> None:
        self._expectations[strategy_id] = expectations

    async def announced_expectations(self, strategy_id: str) -> Expectations | None:
        return self.announced.get(strategy_id)
