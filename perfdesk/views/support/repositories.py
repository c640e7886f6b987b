"""What the Thresholds and Strategy-setup screens need from storage (Protocols).

The PostgreSQL implementations live in perfdesk/services (no Qt); they may return any
object with the attributes of `ThresholdVersion` (structural typing). `strategy_id`
None means the global defaults. `MemoryThresholdRepository` is a complete in-process
implementation for running without a database (previews, screenshots, tests).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from perfdesk.domain.expectations import Expectations
from perfdesk.domain.thresholds import Thresholds


class ThresholdVersion(Protocol):
    """One saved version of a threshold set (newest has the highest `version`)."""

    @property
    def version(self) -> int: ...
    @property
    def thresholds(self) -> Thresholds: ...
    @property
    def who(self) -> str: ...
    @property
    def at(self) -> datetime: ...


class ThresholdRepository(Protocol):
    """Versioned threshold storage with an audit trail (each save is a new version)."""

    async def load(self, strategy_id: str | None) -> ThresholdVersion | None:
        """The current version, or None if never saved (the form shows the defaults)."""
        ...

    async def save(
        self,
        strategy_id: str | None,
        thresholds: Thresholds,
        who: str,
        *,
        comment: str | None = None,
    ) -> ThresholdVersion:
        """Store a new version with the reason given (`comment`, kept in the audit trail);
        returns it. Reverting = saving an older version's values."""
        ...

    async def history(self, strategy_id: str | None) -> Sequence[ThresholdVersion]:
        """Every version, newest first."""
        ...


class ExpectationRepository(Protocol):
    """Where a strategy's expectation profile (declared or from a backtest) is kept."""

    async def load_expectations(self, strategy_id: str) -> Expectations | None: ...

    async def save_expectations(
        self, strategy_id: str, expectations: Expectations, who: str
    ) -> object: ...


@dataclass(frozen=True)
class SavedThresholds:
    """A ThresholdVersion value (what MemoryThresholdRepository returns)."""

    version: int
    thresholds: Thresholds
    who: str
    at: datetime
    comment: str | None = None


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
