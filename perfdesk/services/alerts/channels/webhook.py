"""The generic webhook: POST a JSON body (Slack/Mattermost-style `text` plus fields)."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from perfdesk.services.alerts.channels import message, redact
from perfdesk.services.alerts.channels.base import ChannelBase, ChannelFilter, Notification
from perfdesk.services.alerts.channels.http import post_json


def check_http_url(url: str, what: str) -> str:
    """The URL's host; ValueError (without the URL, a secret) when not http(s)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{what} URL must be http:// or https:// with a host")
    return parts.hostname


def payload(note: Notification, desk: str) -> dict[str, object]:
    """The JSON body; `text` suits Slack/Mattermost incoming webhooks."""
    a, result = note.alert, note.result
    return {
        "text": f"{message.title(note)} — {a.message}",
        "kind": note.kind.value,
        "fingerprint": a.fingerprint,
        "strategy_id": a.strategy_id,
        "rule": a.rule,
        "rule_title": message.title(note).rsplit(" · ", 1)[-1],
        "severity": a.severity.value,
        "state": a.state.value,
        "change": note.event.change.value,
        "message": a.message,
        "value": result.value if result is not None else None,
        "limit": result.limit if result is not None else None,
        "unit": result.unit if result is not None else None,
        "ts": note.event.ts.isoformat(),
        "started_at": a.started_at.isoformat(),
        "fired_at": a.fired_at.isoformat() if a.fired_at else None,
        "episode": a.episode,
        "desk": desk,
        "ack_url": note.ack_url,
        "body": message.body(note, desk),
    }


class WebhookChannel(ChannelBase):
    """POST the payload as JSON to an http(s) URL; any 2xx is success.

    The URL is a secret (chat webhooks carry tokens): only its host is in the name.
    """

    kind = "webhook"

    def __init__(
        self,
        url: str,
        *,
        timeout_s: float = 5.0,
        name: str = "",
        filter: ChannelFilter | None = None,
        send_resolved: bool = True,
        desk: str | None = None,
    ) -> None:
        host = check_http_url(url, "webhook")
        super().__init__(
            name=name or f"webhook:{host}",
            filter=filter,
            timeout_s=timeout_s,
            send_resolved=send_resolved,
        )
        redact.register(url)
        self._url = url
        self.desk = desk or message.desk_name()

    async def send(self, note: Notification, http: httpx.AsyncClient) -> None:
        await post_json(http, self._url, payload(note, self.desk), self.timeout_s)
