"""Client actions: acks and snoozes requested by desktop clients, applied by the collector.

A desktop in client mode cannot change an alert row itself: the collector's alert
manager owns the alert's state and would overwrite it. So the client inserts a row in
`client_actions` (which notifies `perfdesk_action`), and the collector that owns the
strategy claims it, applies it to its manager (which persists the new alert state,
notifying every client through `perfdesk_alert`) and marks it applied.
Loop thread only (the manager is not thread-safe).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from perfdesk.services.alert_manager import AlertManager
from perfdesk.services.collector_lock import ALL

log = logging.getLogger(__name__)

_CLAIM = """
UPDATE client_actions SET applied_at = now(), applied_by = $1
WHERE id IN (
    SELECT id FROM client_actions
    WHERE applied_at IS NULL AND ($2 OR strategy_id = ANY($3::text[]))
    ORDER BY id FOR UPDATE SKIP LOCKED)
RETURNING id, actor, action, fingerprint, until, until_recovery, comment"""
_FAILED = "UPDATE client_actions SET error = $2 WHERE id = $1"
_REQUEST = """
INSERT INTO client_actions (actor, action, fingerprint, strategy_id, until, until_recovery,
    comment)
VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id"""


@dataclass
class ActionStats:
    applied: int = 0
    failed: int = 0


class ActionApplier:
    """Claims the open actions of this collector's strategies and applies them."""

    def __init__(
        self, pool: Any, manager: AlertManager, collector_id: str, strategies: Sequence[str]
    ):
        self._pool = pool
        self._manager = manager
        self._collector_id = collector_id
        self._all = ALL in strategies
        self._strategies = [s for s in strategies if s != ALL]
        self.stats = ActionStats()

    async def apply_pending(self) -> int:
        """Apply every open action for our strategies, oldest first; returns how many."""
        async with self._pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(_CLAIM, self._collector_id, self._all, self._strategies)
            for row in rows:
                error = self._apply(row)
                if error is not None:
                    await conn.execute(_FAILED, row["id"], error)
        return len(rows)

    def _apply(self, row: Any) -> str | None:
        """Apply one action to the manager; returns an error text or None."""
        now = datetime.now(UTC)
        fp, who = row["fingerprint"], row["actor"]
        try:
            if row["action"] == "ack":
                self._manager.ack(fp, who, row["comment"] or "acknowledged", now)
            elif row["action"] == "snooze":
                self._manager.snooze(
                    fp, row["until"], now, who=who, until_recovery=row["until_recovery"],
                    comment=row["comment"] or None,
                )  # fmt: skip
            else:
                self._manager.unsnooze(fp, who, now)
        except (KeyError, ValueError) as exc:
            self.stats.failed += 1
            log.warning("client action %d (%s %s) failed: %s", row["id"], row["action"], fp, exc)
            return str(exc)
        self.stats.applied += 1
        log.info("applied client action", extra={"action": row["action"], "fingerprint": fp,
                                                  "actor": who})  # fmt: skip
        return None


async def request_action(
    pool: Any,
    *,
    actor: str,
    action: str,
    fingerprint: str,
    strategy_id: str,
    until: datetime | None = None,
    until_recovery: bool = False,
    comment: str = "",
) -> int:
    """Queue an action for the collector (client side); returns its id."""
    value = await pool.fetchval(
        _REQUEST, actor, action, fingerprint, strategy_id, until, until_recovery, comment
    )
    return int(value)
