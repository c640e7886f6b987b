"""Apprise: one URL (`tgram://`, `slack://`, `msteams://`, `mailto://`, `ntfy://`…) per channel.

Apprise speaks 100+ services. Its plugins are synchronous (requests, smtplib); its
`async_notify` runs them in Apprise's own worker threads, so the event loop never waits.
The URL carries the service's token: it is registered with the redactor before Apprise
sees it (Apprise logs URLs at DEBUG) and the channel's name shows only the scheme.
"""

from __future__ import annotations

import asyncio

import apprise
import httpx

from perfdesk.domain.status import Status
from perfdesk.services.alerts.channels import message, redact
from perfdesk.services.alerts.channels.base import (
    ChannelBase,
    ChannelError,
    ChannelFilter,
    Kind,
    Notification,
)


def notify_type(note: Notification) -> apprise.NotifyType:
    """Apprise's colour/icon: failure for critical, warning, success when resolved."""
    if note.kind is Kind.RESOLVED:
        return apprise.NotifyType.SUCCESS
    if note.kind is Kind.TEST:
        return apprise.NotifyType.INFO
    if note.severity is Status.CRITICAL:
        return apprise.NotifyType.FAILURE
    return apprise.NotifyType.WARNING


def scheme_of(url: str) -> str:
    head, sep, _rest = url.partition("://")
    if not sep or not head.isascii() or not head.replace("+", "").isalnum():
        raise ValueError("an Apprise URL looks like scheme://… (e.g. tgram://, mailto://)")
    return head.lower()


class AppriseChannel(ChannelBase):
    """Notify one Apprise URL; success when Apprise reports every target notified."""

    kind = "apprise"

    def __init__(
        self,
        url: str,
        *,
        timeout_s: float = 10.0,
        name: str = "",
        filter: ChannelFilter | None = None,
        send_resolved: bool = True,
        desk: str | None = None,
    ) -> None:
        scheme = scheme_of(url)
        super().__init__(
            name=name or f"apprise:{scheme}",
            filter=filter,
            timeout_s=timeout_s,
            send_resolved=send_resolved,
        )
        redact.install()
        redact.register(url)
        self._apprise = apprise.Apprise()
        if not self._apprise.add(url):
            raise ValueError(f"Apprise does not understand this {scheme}:// URL (see its wiki)")
        self.desk = desk or message.desk_name()

    async def send(self, note: Notification, http: httpx.AsyncClient) -> None:
        """`http` is unused: Apprise brings its own clients (requests, smtplib)."""
        try:
            result = await asyncio.wait_for(
                self._apprise.async_notify(
                    body=message.body(note, self.desk),
                    title=message.title(note),
                    notify_type=notify_type(note),
                    timeout=self.timeout_s,
                ),
                self.timeout_s + 1.0,
            )
        except TimeoutError as exc:
            raise ChannelError(f"no answer within {self.timeout_s:g} s") from exc
        if not result:
            raise ChannelError(redact.redact(_reason(result)))


def _reason(result: apprise.AppriseResult) -> str:
    """The last warning or error Apprise logged for the failed target(s)."""
    messages = [e.message for e in result.logs() if e.level in ("WARNING", "ERROR")]
    return messages[-1] if messages else f"Apprise: {result.status.name.lower()}"
