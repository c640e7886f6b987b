"""Verification statuses and strategy lifecycle states."""

from __future__ import annotations

from enum import StrEnum


class StrategyState(StrEnum):
    """What the engine says a strategy is doing."""

    ACTIVE = "active"
    PAUSED = "paused"
    STOPPED = "stopped"
    FAILED = "failed"


class Status(StrEnum):
    """Outcome of a rule or of a whole verification; ordered by `severity`.

    INSUFFICIENT_DATA ranks below OK: a strategy whose rules are OK except those still
    gathering data (a Sharpe test needs weeks) reads OK, not "no data"; it reads
    INSUFFICIENT_DATA only when no rule can judge it yet.
    """

    OK = "ok"
    INSUFFICIENT_DATA = "insufficient_data"
    WARNING = "warning"
    CRITICAL = "critical"

    @property
    def severity(self) -> int:
        return _SEVERITY[self]

    @staticmethod
    def worst(statuses: list[Status]) -> Status:
        """The most severe status; INSUFFICIENT_DATA for an empty list."""
        return max(statuses, key=lambda s: s.severity, default=Status.INSUFFICIENT_DATA)


_SEVERITY = {
    Status.INSUFFICIENT_DATA: 0,
    Status.OK: 1,
    Status.WARNING: 2,
    Status.CRITICAL: 3,
}


class FeedState(StrEnum):
    """State of the link to the engine, distinct from how a strategy performs."""

    CONNECTING = "connecting"
    LIVE = "live"
    STALE = "stale"
    DISCONNECTED = "disconnected"
