"""Rule results and verdicts: what perfdesk concludes about a strategy, with evidence."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, FieldSerializationInfo, field_serializer

from perfdesk.domain.status import Status


class RuleResult(BaseModel):
    """One rule's outcome. `value` and `limit` are in the rule's own unit (see `unit`)."""

    model_config = ConfigDict(frozen=True)

    rule: str
    status: Status
    message: str
    value: float | None = None
    limit: float | None = None
    unit: str = ""
    since: datetime | None = None
    evidence: dict[str, Any] = Field(default_factory=dict)

    @field_serializer("value", "limit")
    def _json_number(self, x: float | None, info: FieldSerializationInfo) -> float | None:
        """JSON (the database's jsonb, the client wire) has no inf or NaN: those are
        written as null ("—" on screen), as the evidence's are; a verdict with an
        infinite value was refused by the database and never stored."""
        if info.mode_is_json() and x is not None and not math.isfinite(x):
            return None
        return x


class Verdict(BaseModel):
    """A strategy's verification at one instant: its status is its worst rule."""

    model_config = ConfigDict(frozen=True)

    strategy_id: str
    ts: datetime
    rules: tuple[RuleResult, ...]

    @property
    def status(self) -> Status:
        return Status.worst([r.status for r in self.rules])

    def rule(self, name: str) -> RuleResult | None:
        return next((r for r in self.rules if r.rule == name), None)
