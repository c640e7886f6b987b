"""How long the shared database keeps each resolution, as the Settings screen edits it.

Raw samples in days, 1-minute bars in months (a month is 30 days here), daily bars
always. Stored as days (`storage_settings.raw_days` / `minute_bar_days`, NULL = forever;
services/store/retention.py applies them); the rule is the table's CHECK: 1-minute bars
live at least as long as raw samples (raw samples are found by time through them).
"""

from __future__ import annotations

import math
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

DAYS_PER_MONTH = 30
RAW_TITLE = "Raw samples (days)"
MINUTE_TITLE = "1-minute bars (months)"


class StorageRetention(BaseModel):
    """How long the database keeps what it stores. Empty = keep forever."""

    model_config = ConfigDict(frozen=True)

    raw_days: int | None = Field(
        None,
        ge=1,
        le=36_500,
        title=RAW_TITLE,
        description="Every sample, fill and status as received.",
    )
    minute_bar_months: int | None = Field(
        None,
        ge=1,
        le=1_200,
        title=MINUTE_TITLE,
        description="The 1-minute bars History reads for ranges up to 6 months;"
        " a month is 30 days.",
    )

    @model_validator(mode="after")
    def _minute_bars_outlive_raw(self) -> Self:
        months = self.minute_bar_months
        if months is None:
            return self
        if self.raw_days is None:
            raise ValueError(
                f"'{MINUTE_TITLE}' needs '{RAW_TITLE}' set too: raw samples kept forever"
                " need their 1-minute bars forever (empty both, or set the days)"
            )
        if months * DAYS_PER_MONTH < self.raw_days:
            need = math.ceil(self.raw_days / DAYS_PER_MONTH)
            raise ValueError(
                f"'{MINUTE_TITLE}' ({months} = {months * DAYS_PER_MONTH} days) must be at"
                f" least '{RAW_TITLE}' ({self.raw_days}): {need} months or more, since raw"
                " samples are found by time through the 1-minute bars"
            )
        return self

    @property
    def minute_bar_days(self) -> int | None:
        months = self.minute_bar_months
        return None if months is None else months * DAYS_PER_MONTH

    @classmethod
    def from_days(cls, raw_days: int | None, minute_bar_days: int | None) -> StorageRetention:
        """The stored setting in the form's units; days that are not whole months round
        up (keeping at least as long as stored)."""
        months = None
        if minute_bar_days is not None:
            months = math.ceil(minute_bar_days / DAYS_PER_MONTH)
        return cls(raw_days=raw_days, minute_bar_months=months)
