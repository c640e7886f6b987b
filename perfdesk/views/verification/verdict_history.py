"""In-memory verdict history per strategy: the transitions seen while the app runs.

Only changes are kept (a new entry when any rule's status changes), bounded per
strategy; the database holds the full history.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime

from perfdesk.domain.status import Status
from perfdesk.domain.verdict import Verdict
from perfdesk.views.verification.rule_text import rule_title


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    ts: datetime
    status: Status
    summary: str


class VerdictHistory:
    """strategy_id -> recent verdict transitions, newest last."""

    def __init__(self, limit: int = 200) -> None:
        self._limit = limit
        self._entries: dict[str, deque[HistoryEntry]] = {}
        self._last: dict[str, tuple[tuple[str, Status], ...]] = {}

    def record(self, verdict: Verdict) -> bool:
        """Remember `verdict` if its rule statuses differ from the last one; True if kept."""
        signature = tuple((r.rule, r.status) for r in verdict.rules)
        if self._last.get(verdict.strategy_id) == signature:
            return False
        self._last[verdict.strategy_id] = signature
        bad = [
            f"{rule_title(r.rule)} {r.status.value}"
            for r in verdict.rules
            if r.status.severity >= 2
        ]
        summary = ", ".join(bad) or "all rules ok"
        entries = self._entries.setdefault(verdict.strategy_id, deque(maxlen=self._limit))
        entries.append(HistoryEntry(verdict.ts, verdict.status, summary))
        return True

    def entries(self, strategy_id: str) -> list[HistoryEntry]:
        return list(self._entries.get(strategy_id, ()))
