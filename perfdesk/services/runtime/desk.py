"""What a desktop may use of a backend's runtime: one protocol for every runtime.

The local `Runtime` (engine -> store -> validator -> alerts in this process) and client
mode's `ClientRuntime` (reads a shared database that collectors write) both satisfy
`DeskRuntime`; the views and the app reach the backend only through it — no probes for
attributes one runtime has and the other lacks. Thread: everything here lives on the
backend loop; `published` (immutable, replaced whole) is the one thing the GUI thread
reads directly; the rest is called through `BackendHost.call`/`run`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from perfdesk.domain.alerts import Alert, AlertHistoryEntry, Silence
from perfdesk.domain.snapshot import LiveView
from perfdesk.services.alerts.channels.dispatcher import ChannelDispatcher
from perfdesk.services.alerts.manager import AlertManager, Notice
from perfdesk.services.alerts.store import LiveAlertSettings
from perfdesk.services.live.config import ExpectationSink
from perfdesk.services.live.threshold_cache import ThresholdCache


class AlertActions(Protocol):
    """What a trader does with alerts, and the notices the tray shows. The local
    AlertManager does it in process; client mode asks the collectors through the
    shared database. Actions run on the backend loop; reads are safe from any thread."""

    @property
    def published(self) -> tuple[Alert, ...]: ...

    @property
    def published_silences(self) -> tuple[Silence, ...]: ...

    def notices_after(self, seq: int) -> list[Notice]: ...
    @property
    def last_notice_seq(self) -> int: ...
    def get(self, fingerprint: str) -> Alert | None: ...
    def active(self) -> list[Alert]: ...
    def silences(self) -> list[Silence]: ...
    def ack(
        self, fingerprint: str, who: str, comment: str, now: datetime | None = None
    ) -> object: ...
    def snooze(
        self,
        fingerprint: str,
        until: datetime | None,
        now: datetime | None = None,
        *,
        who: str | None = None,
        until_recovery: bool = False,
        comment: str | None = None,
    ) -> object: ...
    def unsnooze(
        self, fingerprint: str, who: str | None, now: datetime | None = None
    ) -> object: ...
    def add_silence(
        self,
        *,
        strategy_id: str | None,
        rule: str | None,
        until: datetime,
        who: str,
        comment: str = "",
        now: datetime | None = None,
    ) -> Silence: ...
    def end_silence(self, silence_id: str, who: str, now: datetime | None = None) -> None: ...


class AlertHistory(Protocol):
    """An alert's stored lifecycle (pending writes flushed first where there are any)."""

    async def history(self, fingerprint: str) -> Sequence[AlertHistoryEntry]: ...


class DeskRuntime(Protocol):
    """The runtime a desktop sees (see the module docstring)."""

    published: LiveView
    """Replaced whole (never mutated): the GUI thread reads it without a lock."""

    @property
    def alerts(self) -> AlertActions: ...

    @property
    def alert_persistence(self) -> AlertHistory: ...

    @property
    def alert_settings(self) -> LiveAlertSettings: ...

    @property
    def thresholds(self) -> ThresholdCache: ...

    @property
    def local_alerts(self) -> AlertManager | None:
        """The alert manager of this process (reports list its alerts); None in client
        mode, where the collectors own the alerts."""
        ...

    @property
    def alert_dispatcher(self) -> ChannelDispatcher | None:
        """This process's alert channels (Settings › Notifications reloads them after a
        change); None in client mode, where the collectors send."""
        ...

    @property
    def expectation_sink(self) -> ExpectationSink | None:
        """Where saved expectations apply at once; None when the validator runs elsewhere."""
        ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...
