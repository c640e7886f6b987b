"""What the main window pulls its state from (the live monitor + alert manager facade)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from perfdesk.domain.alerts import Alert
from perfdesk.domain.snapshot import StorageState, StrategySnapshot


class SnapshotSource(Protocol):
    """Read-only, cheap, non-blocking accessors called on the GUI thread at ~15 Hz."""

    def snapshots(self) -> Mapping[str, StrategySnapshot]:
        """strategy_id -> its latest snapshot (copy-on-read values)."""
        ...

    def active_alerts(self) -> list[Alert]:
        """Alerts currently pending/firing/recovering, in any order."""
        ...

    def storage(self) -> StorageState | None:
        """Where stored events stand (None: this source has no database)."""
        ...

    def engine_notes(self) -> list[str]:
        """Warnings about the engine link for the status bar (insecure link, refused
        frames); empty when there is nothing to say."""
        ...
