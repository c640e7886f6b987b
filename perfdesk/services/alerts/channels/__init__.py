"""Outbound alert channels on one async base: webhook, Apprise, Alertmanager.

    dispatcher = service.dispatcher_from_environment(on_delivery, pool=store.pool)
    dispatcher.start(manager)     # on the backend loop
    await dispatcher.aclose()

Modules: `base` (Notification, filters, Delivery), `http` (the shared httpx client),
`message` (the words), `webhook`, `apprise_channel`, `alertmanager`, `dispatcher`
(queues, retries, re-sends), `config` (settings and building), `store` (SQL),
`redact` (secrets out of logs).
"""

from perfdesk.services.alerts.channels.alertmanager import AlertmanagerChannel
from perfdesk.services.alerts.channels.apprise_channel import AppriseChannel
from perfdesk.services.alerts.channels.base import (
    AlertChannel,
    ChannelError,
    ChannelFilter,
    ChannelStats,
    Delivery,
    Kind,
    Notification,
)
from perfdesk.services.alerts.channels.dispatcher import ChannelDispatcher
from perfdesk.services.alerts.channels.webhook import WebhookChannel, payload

__all__ = [
    "AlertChannel",
    "AlertmanagerChannel",
    "AppriseChannel",
    "ChannelDispatcher",
    "ChannelError",
    "ChannelFilter",
    "ChannelStats",
    "Delivery",
    "Kind",
    "Notification",
    "WebhookChannel",
    "payload",
]
