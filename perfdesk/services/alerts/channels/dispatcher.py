"""ChannelDispatcher: alert events in, messages out — never holding up the pipeline.

It listens to the AlertManager. A notifying event becomes a FIRING message, the
resolution of an alert a channel was told about a RESOLVED one; each goes onto that
channel's bounded queue, drained by the channel's own task: a timeout per attempt,
retries with exponential backoff, then a `Delivery` for the log. A full queue drops its
oldest message (counted with the reason, logged). Channels that want it (Alertmanager)
get every firing alert they were told about re-sent every `resend_every_s`.

All channels share one httpx client, opened on `start` (the backend loop) and closed
by `aclose`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Protocol

import httpx

from perfdesk.domain.alerts import AlertChange, AlertEvent, AlertState
from perfdesk.services.alerts.channels import redact
from perfdesk.services.alerts.channels.ack_link import AckLinks
from perfdesk.services.alerts.channels.base import (
    AlertChannel,
    ChannelError,
    ChannelStats,
    Delivery,
    Kind,
    Notification,
)
from perfdesk.services.alerts.channels.http import make_client
from perfdesk.services.alerts.manager import AlertManager, Change

log = logging.getLogger(__name__)

OnDelivery = Callable[[Delivery], Awaitable[None]]


class ChannelSource(Protocol):
    """The configured channels (Settings › Notifications), read on the backend loop."""

    async def load(self) -> Sequence[AlertChannel]: ...

    async def version(self) -> object:
        """Changes whenever the configuration does (polled every `watch_every_s`)."""


@dataclass
class Lane:
    """One channel's queue, sender task, counters, and the alerts it was told about."""

    channel: AlertChannel
    queue: asyncio.Queue[Notification]
    stats: ChannelStats = field(default_factory=ChannelStats)
    open: dict[str, Notification] = field(default_factory=dict)
    """Fingerprint -> the last FIRING message sent here (its resolve goes here too)."""
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def admit(self, note: Notification) -> Notification | None:
        """The message this channel should get for `note`, if any."""
        fp = note.alert.fingerprint
        if note.kind is Kind.FIRING:
            if not self.channel.filter.accepts(note.alert):
                return None
            self.open[fp] = note
            return note
        if note.kind is Kind.RESOLVED and self.open.pop(fp, None) is not None:
            return note if self.channel.send_resolved else None
        return None

    def put(self, note: Notification, *, drop_oldest: bool = True) -> bool:
        """Queue `note`; when full, drop the oldest (or refuse `note` if not drop_oldest)."""
        if self.queue.full():
            if not drop_oldest:
                self._count_drop("resend skipped: queue full")
                return False
            dropped = self.queue.get_nowait()
            self.queue.task_done()
            self._count_drop("queue full: oldest dropped")
            log.error("%s: queue full, dropped %s", self.channel.name, dropped.alert.fingerprint)
        self.queue.put_nowait(note)
        return True

    def _count_drop(self, reason: str) -> None:
        self.stats.dropped += 1
        self.stats.drop_reasons[reason] = self.stats.drop_reasons.get(reason, 0) + 1


class ChannelDispatcher:
    """Fans alert messages out to channels; one queue and task per channel."""

    def __init__(
        self,
        channels: Sequence[AlertChannel],
        *,
        retries: int = 3,
        backoff_s: tuple[float, float] = (0.5, 8.0),
        queue_size: int = 100,
        on_delivery: OnDelivery | None = None,
        source: ChannelSource | None = None,
        ca_file: str | None = None,
        watch_every_s: float = 30.0,
        ack_links: AckLinks | None = None,
    ) -> None:
        self._fixed = list(channels)
        self._lanes: list[Lane] = []
        self._retries = retries
        self._backoff_s = backoff_s
        self._queue_size = queue_size
        self._on_delivery = on_delivery
        self._source = source
        self._watch_every_s = watch_every_s
        self._ack_links = ack_links
        self._version: object = None
        self._ca_file = ca_file
        self._http: httpx.AsyncClient | None = None
        self._manager: AlertManager | None = None
        self._early: list[Notification] | None = None
        """Messages decided while the configured channels load (replayed to them)."""
        self._loader: asyncio.Task[None] | None = None
        self._watcher: asyncio.Task[None] | None = None
        redact.install()

    # --- reads ---------------------------------------------------------------------------

    @property
    def stats(self) -> dict[str, ChannelStats]:
        lanes = self._lanes or [Lane(c, asyncio.Queue(1)) for c in self._fixed]
        return {lane.channel.name: lane.stats for lane in lanes}

    @property
    def channels(self) -> list[AlertChannel]:
        return [lane.channel for lane in self._lanes]

    # --- life ----------------------------------------------------------------------------

    def start(self, manager: AlertManager) -> None:
        """Listen to `manager`, open the HTTP client, start the channels (running loop)."""
        self._manager = manager
        self._http = make_client(self._ca_file)
        manager.add_listener(self)
        self._start_ack_links(manager)
        for channel in self._fixed:
            self._add_lane(channel, manager)
        if self._source is not None:
            self._early = []
            loop = asyncio.get_running_loop()
            self._loader = loop.create_task(self._load_configured(), name="alert-channels-load")
            self._watcher = loop.create_task(self._watch(), name="alert-channels-watch")

    def _start_ack_links(self, manager: AlertManager) -> None:
        if self._ack_links is None:
            return
        try:
            self._ack_links.start(manager)
        except OSError as exc:  # e.g. the port is taken: no links rather than dead ones
            log.error("acknowledgement links off: cannot listen on %s: %s",
                      self._ack_links.listen, exc)  # fmt: skip
            self._ack_links = None

    async def reload(self) -> None:
        """Re-read the configured channels (after Settings › Notifications saved).

        The new lanes replace the old ones in one step (no event in between goes astray)
        and take over, by channel name, what the old ones knew and still had queued.
        """
        if self._source is None or self._manager is None:
            return
        self._version = await self._source.version()
        channels = await self._source.load()
        fixed = {id(c) for c in self._fixed}
        old = {lane.channel.name: lane for lane in self._lanes if id(lane.channel) not in fixed}
        self._lanes = [lane for lane in self._lanes if id(lane.channel) in fixed]
        for channel in channels:
            lane = self._add_lane(channel, self._manager)
            before = old.get(channel.name)
            if before is not None:
                lane.open.update(before.open)
                while not before.queue.empty():
                    lane.put(before.queue.get_nowait())
                    before.queue.task_done()
        for lane in old.values():
            await self._stop_lane(lane)

    async def _load_configured(self) -> None:
        assert self._source is not None and self._manager is not None
        try:
            self._version = await self._source.version()
            channels = await self._source.load()
        except Exception:  # the fixed channels keep working; the log says why
            log.exception("loading the configured alert channels failed")
            channels = []
        early, self._early = self._early or [], None
        for channel in channels:
            lane = self._add_lane(channel, self._manager)
            for note in early:
                admitted = lane.admit(note)
                if admitted is not None:
                    lane.put(admitted)

    async def _watch(self) -> None:
        """Reload when the stored configuration changed (another desktop saved it)."""
        assert self._source is not None
        while True:
            await asyncio.sleep(self._watch_every_s)
            try:
                if await self._source.version() != self._version:
                    log.info("alert channels changed in the database; reloading")
                    await self.reload()
            except Exception:  # the database may be away: try again next time
                log.warning("checking the alert channels for changes failed", exc_info=True)

    def _add_lane(self, channel: AlertChannel, manager: AlertManager) -> Lane:
        lane = Lane(channel, asyncio.Queue(self._queue_size))
        lane.open.update(already_notified(manager, channel))
        loop = asyncio.get_running_loop()
        lane.tasks.append(loop.create_task(self._serve(lane), name=f"alert-{channel.name}"))
        if channel.resend_every_s:
            lane.tasks.append(loop.create_task(self._resend(lane), name=f"resend-{channel.name}"))
        self._lanes.append(lane)
        return lane

    async def flush(self) -> None:
        """Return when every queued message has been delivered or given up on."""
        if self._loader is not None:
            await self._loader
        for lane in list(self._lanes):
            await lane.queue.join()

    async def aclose(self) -> None:
        for task in (self._loader, self._watcher):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        for lane in self._lanes:
            await self._stop_lane(lane)
        if self._http is not None:
            await self._http.aclose()
            self._http = None
        if self._ack_links is not None:
            await asyncio.to_thread(self._ack_links.stop)

    @staticmethod
    async def _stop_lane(lane: Lane) -> None:
        for task in lane.tasks:
            task.cancel()
        await asyncio.gather(*lane.tasks, return_exceptions=True)
        lane.tasks.clear()

    # --- input ---------------------------------------------------------------------------

    def __call__(self, change: Change) -> None:
        """Manager listener (backend loop): queue what the channels should get; never waits."""
        note = self._message_for(change)
        if note is None:
            return
        if self._early is not None:
            self._early.append(note)
        for lane in self._lanes:
            admitted = lane.admit(note)
            if admitted is not None:
                lane.put(admitted)

    def _message_for(self, change: Change) -> Notification | None:
        if not isinstance(change, AlertEvent):
            return None
        if change.notify:
            kind = Kind.FIRING
        elif change.change is AlertChange.RESOLVED:
            kind = Kind.RESOLVED
        else:
            return None
        result = self._manager.applying if self._manager is not None else None
        if result is not None and result.rule != change.alert.rule:
            result = None
        links, alert = self._ack_links, change.alert
        ack_url = (
            links.url_for(alert.fingerprint, alert.episode) if links and change.notify else None
        )
        return Notification(change, kind, result, ack_url=ack_url)

    # --- sending -------------------------------------------------------------------------

    async def send_test(self, channel: AlertChannel) -> Delivery:
        """Send a test message now (one attempt, no queue) and record the outcome."""
        from perfdesk.services.alerts.channels.message import desk_name

        note = Notification.test(datetime.now(UTC), desk_name())
        http = self._http or make_client(self._ca_file)
        try:
            error = await self._attempt(channel, note, http)
        finally:
            if http is not self._http:
                await http.aclose()
        delivery = Delivery(channel.name, note.event, error is None, 1, error, Kind.TEST)
        await self._report(delivery)
        return delivery

    async def _serve(self, lane: Lane) -> None:
        while True:
            note = await lane.queue.get()
            try:
                delivery = await self._deliver(lane, note)
                if not (delivery.ok and note.resend):  # a successful re-send is not news
                    await self._report(delivery)
            finally:
                lane.queue.task_done()

    async def _resend(self, lane: Lane) -> None:
        interval = lane.channel.resend_every_s or 60.0
        while True:
            await asyncio.sleep(interval)
            for note in list(lane.open.values()):
                lane.put(replace(note, resend=True), drop_oldest=False)

    async def _attempt(
        self, channel: AlertChannel, note: Notification, http: httpx.AsyncClient
    ) -> str | None:
        """None on success, else why (secrets masked)."""
        try:
            await asyncio.wait_for(channel.send(note, http), channel.timeout_s + 2.0)
        except TimeoutError:
            return f"no answer within {channel.timeout_s:g} s"
        except (ChannelError, OSError, httpx.HTTPError) as exc:
            return redact.redact(str(exc) or type(exc).__name__)
        return None

    async def _deliver(self, lane: Lane, note: Notification) -> Delivery:
        name, delay = lane.channel.name, self._backoff_s[0]
        http = self._http
        assert http is not None, "lanes run only between start() and aclose()"
        error: str | None = None
        for attempt in range(1, self._retries + 2):
            error = await self._attempt(lane.channel, note, http)
            if error is None:
                lane.stats.sent += 1
                lane.stats.last_success_at = datetime.now(UTC)
                return Delivery(name, note.event, True, attempt, None, note.kind)
            log.warning("%s: attempt %d failed: %s", name, attempt, error)
            if attempt <= self._retries:
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._backoff_s[1])
        lane.stats.failed += 1
        lane.stats.last_error, lane.stats.last_error_at = error, datetime.now(UTC)
        log.error("%s: gave up on %s: %s", name, note.alert.fingerprint, error)
        return Delivery(name, note.event, False, self._retries + 1, error, note.kind)

    async def _report(self, delivery: Delivery) -> None:
        if self._on_delivery is None:
            return
        try:
            await self._on_delivery(delivery)
        except Exception:  # a broken delivery log must not stop the channel
            log.exception("recording the delivery on %s failed", delivery.channel)


def already_notified(manager: AlertManager, channel: AlertChannel) -> dict[str, Notification]:
    """Firing alerts notified before this channel started (a restart): it may resolve
    them, and Alertmanager gets them re-sent."""
    found = {}
    for alert in manager.alerts():
        if alert.state in (AlertState.FIRING, AlertState.RECOVERING) and (
            alert.notified_severity is not None and channel.filter.accepts(alert)
        ):
            event = AlertEvent(alert=alert, change=AlertChange.FIRED, ts=alert.updated_at)
            found[alert.fingerprint] = Notification(event, Kind.FIRING)
    return found
