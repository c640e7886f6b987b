"""Client actions: acks, snoozes and silences from desktop clients, applied by the collector.

A desktop in client mode cannot change an alert row itself: the collector's alert
manager owns the alert's state and would overwrite it. So the client inserts a row in
`client_actions` (which notifies `perfdesk_action`), and the collector that owns the
strategy claims it, applies it to its manager (which persists the new alert state,
notifying every client through `perfdesk_alert`) and marks it applied.

Silences are shared differently: they are not one alert's state but a rule for many
(a rule-only silence concerns every collector of a split engine), so a desktop stores
the silence row itself (`alert_silences`, notifying `perfdesk_silence`) and every
collector's `SilenceSync` applies it — or its early end — to its own manager.
Loop thread only (the manager is not thread-safe).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from perfdesk.services.alerts.manager import AlertManager
from perfdesk.services.alerts.store import AlertStore, SilenceRow
from perfdesk.services.collector.lock import ALL

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


@dataclass
class SilenceStats:
    adopted: int = 0
    ended: int = 0


class SilenceSync:
    """Applies the silences stored by desktops (and their early ends) to a manager."""

    def __init__(self, pool: Any, manager: AlertManager) -> None:
        self._store = AlertStore(pool)
        self._manager = manager
        self.stats = SilenceStats()

    async def sync(self, ids: Iterable[str] | None = None) -> None:
        """Apply the given silences (a notification), or all of them (start, reconnect)."""
        known = {s.id for s in self._manager.silences()}
        wanted = None if ids is None else sorted(set(ids))
        rows = await self._store.silence_rows(wanted)
        if ids is None and known:
            # Silences this manager holds that were ended elsewhere while we were not listening.
            seen = {r.silence.id for r in rows}
            rows += await self._store.silence_rows(sorted(known - seen))
        now = datetime.now(UTC)
        for row in rows:
            sid = row.silence.id
            if row.ended_at is None:
                if self._manager.adopt_silence(row.silence, now):
                    self.stats.adopted += 1
                    log.info("applied a shared silence", extra=_silence_extra(row.silence))
            elif sid in known and not _expired(row):
                self._manager.end_silence(sid, row.ended_by or "perfdesk", now)
                self.stats.ended += 1
                log.info("ended a shared silence", extra={"silence": sid, "actor": row.ended_by})
        if ids is None:
            self._manager.resilence(now)  # alerts loaded before a silence made while we were down


def _expired(row: SilenceRow) -> bool:
    """Ended by its expiry (recorded by a collector): each manager expires it by itself."""
    return (
        row.ended_by is None
        and row.ended_at is not None
        and (row.ended_at >= row.silence.expires_at)
    )


def _silence_extra(silence: Any) -> dict[str, Any]:
    return {"silence": silence.id, "strategy_id": silence.strategy_id, "rule": silence.rule,
            "actor": silence.created_by, "until": silence.expires_at.isoformat()}  # fmt: skip


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
