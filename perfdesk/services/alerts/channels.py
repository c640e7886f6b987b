"""Outbound alert channels behind one interface, delivered without blocking the pipeline.

`ChannelDispatcher` listens to the AlertManager; each event it should notify is put on
a small bounded queue per channel and sent by that channel's own task, with a timeout
per attempt and retries with backoff. A full queue drops its oldest message (counted
and logged): a dead webhook can never hold up alerting. The desktop tray is not a
channel here — the GUI polls the manager's notice feed itself.

The webhook URL is a secret (chat webhooks embed tokens): it comes from the
environment or the OS keyring (`PERFDESK_ALERT_WEBHOOK`) and only its host is logged.
"""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

from perfdesk.domain.alerts import AlertEvent
from perfdesk.domain.status import Status
from perfdesk.services.alerts.manager import AlertManager, Change
from perfdesk.services.support.secrets import get_secret

log = logging.getLogger(__name__)

WEBHOOK_SECRET = "alert_webhook"


class ChannelError(RuntimeError):
    """One delivery attempt failed (the message says why, without secrets)."""


class AlertChannel(Protocol):
    """Somewhere notifications go. `send` raises ChannelError (or OSError) on failure."""

    name: str

    async def send(self, event: AlertEvent) -> None: ...


def payload(event: AlertEvent) -> dict[str, object]:
    """The JSON body of a notification; `text` suits Slack/Mattermost-style webhooks."""
    a = event.alert
    label = "CRITICAL" if a.severity is Status.CRITICAL else "WARNING"
    return {
        "text": f"[perfdesk] {label} {a.strategy_id} · {a.rule} — {a.message}",
        "fingerprint": a.fingerprint,
        "strategy_id": a.strategy_id,
        "rule": a.rule,
        "severity": a.severity.value,
        "state": a.state.value,
        "change": event.change.value,
        "message": a.message,
        "ts": event.ts.isoformat(),
        "started_at": a.started_at.isoformat(),
        "episode": a.episode,
    }


class WebhookChannel:
    """POST the payload as JSON to an http(s) URL; any 2xx is success.

    The request runs in a worker thread (urllib, certificate verification on) so the
    event loop never waits on the network; `timeout_s` bounds each attempt.
    """

    def __init__(
        self, url: str, *, timeout_s: float = 5.0, ca_file: str | None = None, name: str = ""
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("webhook URL must be http:// or https:// with a host")
        self._url = url
        self.timeout_s = timeout_s
        self.name = name or f"webhook:{parts.hostname}"
        self._context = (
            ssl.create_default_context(cafile=ca_file) if parts.scheme == "https" else None
        )

    async def send(self, event: AlertEvent) -> None:
        body = json.dumps(payload(event)).encode()
        try:
            await asyncio.wait_for(asyncio.to_thread(self._post, body), self.timeout_s + 1.0)
        except TimeoutError as exc:
            raise ChannelError(f"no answer within {self.timeout_s} s") from exc

    def _post(self, body: bytes) -> None:
        request = urllib.request.Request(
            self._url,
            data=body,
            headers={"Content-Type": "application/json", "User-Agent": "perfdesk-alerts"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(  # scheme checked in __init__
                request, timeout=self.timeout_s, context=self._context
            ) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            raise ChannelError(f"HTTP {exc.code}") from exc
        except TimeoutError as exc:
            raise ChannelError(f"no answer within {self.timeout_s} s") from exc
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ChannelError(f"{type(exc).__name__}: {reason}") from exc
        if not 200 <= status < 300:
            raise ChannelError(f"HTTP {status}")


@dataclass(frozen=True)
class Delivery:
    """The outcome of one notification on one channel (after all its attempts)."""

    channel: str
    event: AlertEvent
    ok: bool
    attempts: int
    error: str | None = None


@dataclass
class ChannelStats:
    sent: int = 0
    failed: int = 0
    dropped: int = 0
    last_error: str | None = None


OnDelivery = Callable[[Delivery], Awaitable[None]]


@dataclass
class _Lane:
    channel: AlertChannel
    queue: asyncio.Queue[AlertEvent]
    stats: ChannelStats = field(default_factory=ChannelStats)
    task: asyncio.Task[None] | None = None


class ChannelDispatcher:
    """Fans notifying alert events out to channels; one queue and task per channel."""

    def __init__(
        self,
        channels: Sequence[AlertChannel],
        *,
        retries: int = 3,
        backoff_s: tuple[float, float] = (0.5, 8.0),
        queue_size: int = 100,
        on_delivery: OnDelivery | None = None,
    ) -> None:
        self._lanes = [_Lane(c, asyncio.Queue(queue_size)) for c in channels]
        self._retries = retries
        self._backoff_s = backoff_s
        self._on_delivery = on_delivery

    @classmethod
    def from_environment(cls, on_delivery: OnDelivery | None = None) -> ChannelDispatcher:
        """A webhook channel if `PERFDESK_ALERT_WEBHOOK` (or the keyring) names one."""
        url = get_secret(WEBHOOK_SECRET)
        channels = [WebhookChannel(url)] if url else []
        return cls(channels, on_delivery=on_delivery)

    @property
    def stats(self) -> dict[str, ChannelStats]:
        return {lane.channel.name: lane.stats for lane in self._lanes}

    def start(self, manager: AlertManager) -> None:
        """Listen to `manager` and start one sender task per channel (running loop)."""
        manager.add_listener(self)
        loop = asyncio.get_running_loop()
        for lane in self._lanes:
            lane.task = loop.create_task(self._serve(lane), name=f"alert-{lane.channel.name}")

    def __call__(self, change: Change) -> None:
        """Manager listener: queue notifying events; never waits."""
        if not isinstance(change, AlertEvent) or not change.notify:
            return
        for lane in self._lanes:
            if lane.queue.full():
                dropped = lane.queue.get_nowait()
                lane.queue.task_done()
                lane.stats.dropped += 1
                log.error(
                    "%s: queue full, dropped %s", lane.channel.name, dropped.alert.fingerprint
                )
            lane.queue.put_nowait(change)

    async def flush(self) -> None:
        """Return when every queued notification has been delivered or given up on."""
        for lane in self._lanes:
            await lane.queue.join()

    async def aclose(self) -> None:
        for lane in self._lanes:
            if lane.task is not None:
                lane.task.cancel()
                await asyncio.gather(lane.task, return_exceptions=True)
                lane.task = None

    async def _serve(self, lane: _Lane) -> None:
        while True:
            event = await lane.queue.get()
            try:
                delivery = await self._deliver(lane, event)
                await self._report(delivery)
            finally:
                lane.queue.task_done()

    async def _deliver(self, lane: _Lane, event: AlertEvent) -> Delivery:
        delay, error = self._backoff_s[0], ""
        for attempt in range(1, self._retries + 2):
            try:
                await lane.channel.send(event)
            except (ChannelError, OSError) as exc:
                error = str(exc)
                log.warning("%s: attempt %d failed: %s", lane.channel.name, attempt, error)
                if attempt <= self._retries:
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, self._backoff_s[1])
                continue
            lane.stats.sent += 1
            return Delivery(lane.channel.name, event, ok=True, attempts=attempt)
        lane.stats.failed += 1
        lane.stats.last_error = error
        log.error("%s: gave up on %s: %s", lane.channel.name, event.alert.fingerprint, error)
        return Delivery(lane.channel.name, event, ok=False, attempts=self._retries + 1, error=error)

    async def _report(self, delivery: Delivery) -> None:
        if self._on_delivery is None:
            return
        try:
            await self._on_delivery(delivery)
        except Exception:  # a broken delivery log must not stop the channel
            log.exception("recording the delivery on %s failed", delivery.channel)
