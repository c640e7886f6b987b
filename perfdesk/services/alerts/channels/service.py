"""Notifications: what Settings › Notifications does, as one Qt-free object.

List the configured channels with their delivery log, add/change/remove them, enable or
disable, and "send a test message now". On the backend loop (the view hops there).
After a change, the running dispatcher (if this process has one) reloads at once;
collectors elsewhere notice within their watch interval.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from perfdesk.services.alerts.channels.ack_link import AckLinks
from perfdesk.services.alerts.channels.base import AlertChannel, Delivery
from perfdesk.services.alerts.channels.config import (
    ChannelConfig,
    build_channel,
    channel_from_secret,
    environment_channels,
    has_secret,
)
from perfdesk.services.alerts.channels.dispatcher import ChannelDispatcher, OnDelivery
from perfdesk.services.alerts.channels.store import ChannelConfigStore, ChannelLog, stored_channels
from perfdesk.services.alerts.store import AlertStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChannelStatus:
    """One row of Settings › Notifications."""

    config: ChannelConfig
    log: ChannelLog
    has_url: bool
    """A URL is set where this perfdesk runs (keyring or environment)."""


class Notifications:
    def __init__(self, pool: Any, dispatcher: ChannelDispatcher | None = None) -> None:
        self.store = ChannelConfigStore(pool)
        self._dispatcher = dispatcher
        alert_store = AlertStore(pool)

        async def record(d: Delivery) -> None:
            await alert_store.record_delivery(
                d.channel, d.event, ok=d.ok, attempts=d.attempts, error=d.error
            )

        self._tester = ChannelDispatcher([], on_delivery=record)

    async def channels(self) -> list[ChannelStatus]:
        configs = await self.store.list()
        logs = await self.store.delivery_log(c.name for c in configs)
        found = []
        for config in configs:
            has_url = await asyncio.to_thread(has_secret, config.secret_name)
            log = logs.get(config.name, ChannelLog(config.name))
            found.append(ChannelStatus(config, log, has_url))
        return found

    async def save(self, config: ChannelConfig, url: str | None, who: str) -> ChannelConfig:
        saved = await self.store.save(config, url, who)
        await self._reload()
        return saved

    async def set_enabled(self, channel_id: int, enabled: bool, who: str) -> None:
        await self.store.set_enabled(channel_id, enabled, who)
        await self._reload()

    async def delete(self, channel_id: int) -> None:
        await self.store.delete(channel_id)
        await self._reload()

    async def test(self, config: ChannelConfig, url: str | None = None) -> Delivery:
        """Send a test message now to `url` (or the stored one); the outcome is logged."""
        channel: AlertChannel | None = None
        if url:
            channel = build_channel(config, url)
        elif config.id is not None:
            channel = await asyncio.to_thread(channel_from_secret, config)
        if channel is None:
            raise ValueError(f"{config.name}: no URL to send to (enter one, or store it first)")
        return await self._tester.send_test(channel)

    async def _reload(self) -> None:
        if self._dispatcher is not None:
            await self._dispatcher.reload()


def dispatcher_from_environment(
    on_delivery: OnDelivery | None = None, *, pool: object | None = None
) -> ChannelDispatcher:
    """The dispatcher of a runtime: channels named by the environment/keyring, plus those
    stored in `pool`'s database (reloaded when they change)."""
    source = stored_channels(pool) if pool is not None else None
    try:
        links = AckLinks.from_environment()
    except ValueError as exc:  # alerting goes on without links; the log says why
        log.error("acknowledgement links off: %s", exc)
        links = None
    return ChannelDispatcher(
        environment_channels(), on_delivery=on_delivery, source=source, ack_links=links
    )
