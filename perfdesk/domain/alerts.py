"""Alerts: a rule's breach with a lifecycle (pending -> firing -> recovering -> resolved)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from perfdesk.domain.status import Status


class AlertState(StrEnum):
    PENDING = "pending"
    FIRING = "firing"
    RECOVERING = "recovering"
    RESOLVED = "resolved"


class Alert(BaseModel):
    """One alert, identified by its fingerprint (strategy + rule).

    `severity` is WARNING or CRITICAL; escalation updates the same alert.
    """

    model_config = ConfigDict(frozen=True)

    fingerprint: str
    strategy_id: str
    rule: str
    severity: Status
    state: AlertState
    message: str
    started_at: datetime
    updated_at: datetime
    acked_by: str | None = None
    acked_at: datetime | None = None
    ack_comment: str | None = None
    snoozed_until: datetime | None = None

    @staticmethod
    def fingerprint_of(strategy_id: str, rule: str) -> str:
        return f"{strategy_id}/{rule}"

    @property
    def is_active(self) -> bool:
        return self.state in (AlertState.FIRING, AlertState.RECOVERING)
