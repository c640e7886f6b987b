"""What the Thresholds and Strategy-setup screens need from storage (Protocols).

The PostgreSQL implementations live in perfdesk/services (no Qt); they may return any
object with the attributes of `ThresholdVersion` (structural typing). `strategy_id`
None means the global defaults. `Unconnected` is what a window without a database
uses; an in-memory implementation for tests and screenshots is in perfdesk/testing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
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


class Unconnected:
    """The repositories of a window without a database: nothing is stored, and a save
    says why instead of pretending (nothing is kept in memory behind the user's back)."""

    MESSAGE = "not connected to a database: thresholds and expectations cannot be saved"

    async def load(self, strategy_id: str | None) -> None:
        return None

    async def save(
        self,
        strategy_id: str | None,
        thresholds: Thresholds,
        who: str,
        *,
        comment: str | None = None,
    ) -> ThresholdVersion:
        raise RuntimeError(self.MESSAGE)

    async def history(self, strategy_id: str | None) -> list[ThresholdVersion]:
        return []

    async def load_expectations(self, strategy_id: str) -> Expectations | None:
        return None

    async def save_expectations(
        self, strategy_id: str, expectations: Expectations, who: str
    ) -> object:
        raise RuntimeError(self.MESSAGE)

    async def announced_expectations(self, strategy_id: str) -> Expectations | None:
        return None
