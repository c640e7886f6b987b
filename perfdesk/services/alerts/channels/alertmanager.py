"""Prometheus Alertmanager: POST /api/v2/alerts, so a desk joins the team's routing.

Each alert is one `postableAlert` (Alertmanager's v2 OpenAPI schema): labels
`alertname`, `strategy`, `rule`, `severity`, `desk`; annotations `summary`,
`description`, `value`, `limit`, `evidence`, `fingerprint`; `startsAt` (when it fired),
`endsAt` and an optional `generatorURL`. While firing the dispatcher re-sends it every
`resend_every_s` with `endsAt` = now + 4 × that interval (as Prometheus does), so if
perfdesk stops, Alertmanager resolves the alert by itself after that; a resolve posts
`endsAt` = the resolution time. An escalation changes the `severity` label, which makes
a new Alertmanager alert: the old label set is resolved first.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import httpx

from perfdesk.domain.status import Status
from perfdesk.services.alerts.channels import message, redact
from perfdesk.services.alerts.channels.base import ChannelBase, ChannelFilter, Kind, Notification
from perfdesk.services.alerts.channels.http import post_json
from perfdesk.services.alerts.channels.webhook import check_http_url

API_PATH = "/api/v2/alerts"
ENDS_AFTER_RESENDS = 4


def alerts_url(base: str) -> str:
    """`http://am:9093` -> `http://am:9093/api/v2/alerts` (kept if already there)."""
    check_http_url(base, "Alertmanager")
    parts = urlsplit(base)
    path = parts.path.rstrip("/")
    if not path.endswith(API_PATH):
        path += API_PATH
    return parts._replace(path=path).geturl()


def iso(ts: datetime) -> str:
    """RFC 3339 in UTC with a Z (Go's time.Time parses it)."""
    return ts.astimezone(UTC).isoformat().replace("+00:00", "Z")


def labels_of(note: Notification, desk: str, severity: Status | None = None) -> dict[str, str]:
    a = note.alert
    return {
        "alertname": f"perfdesk_{a.rule}",
        "strategy": a.strategy_id,
        "rule": a.rule,
        "severity": (severity or a.severity).value,
        "desk": desk,
    }


def annotations_of(note: Notification, desk: str) -> dict[str, str]:
    result = note.result
    found = {
        "summary": message.summary(note),
        "description": message.body(note, desk),
        "fingerprint": note.alert.fingerprint,
        "episode": str(note.alert.episode),
    }
    if result is not None and result.value is not None:
        found["value"] = f"{result.value:.6g}"
    if result is not None and result.limit is not None:
        found["limit"] = f"{result.limit:.6g}"
    if note.ack_url:
        found["ack_url"] = note.ack_url
    if result is not None and result.evidence:
        found["evidence"] = json.dumps(result.evidence, default=str, sort_keys=True)
    return found


class AlertmanagerChannel(ChannelBase):
    """Post alerts to one Alertmanager (or any receiver of its v2 API)."""

    kind = "alertmanager"

    def __init__(
        self,
        url: str,
        *,
        timeout_s: float = 5.0,
        name: str = "",
        filter: ChannelFilter | None = None,
        resend_every_s: float = 60.0,
        generator_url: str | None = None,
        desk: str | None = None,
    ) -> None:
        host = check_http_url(url, "Alertmanager")
        super().__init__(name=name or f"alertmanager:{host}", filter=filter, timeout_s=timeout_s)
        if not resend_every_s > 0:
            raise ValueError(f"{self.name}: resend interval must be above 0 s")
        if generator_url is not None:
            check_http_url(generator_url, "generator")
        redact.register(url)
        self._url = alerts_url(url)
        self.resend_every_s: float | None = resend_every_s
        self._ends_after = timedelta(seconds=ENDS_AFTER_RESENDS * resend_every_s)
        self.generator_url = generator_url
        self.desk = desk or message.desk_name()
        self._posted_severity: dict[str, Status] = {}
        """The severity label last posted per fingerprint (to resolve it on escalation)."""

    def postable(
        self, note: Notification, now: datetime, severity: Status | None = None
    ) -> dict[str, object]:
        """One postableAlert; `severity` posts an older label set (to resolve it)."""
        a = note.alert
        if note.kind is Kind.RESOLVED:
            ends = max(note.event.ts, a.fired_at or a.started_at)
        elif severity is not None:
            ends = now
        else:
            ends = now + self._ends_after
        alert: dict[str, object] = {
            "labels": labels_of(note, self.desk, severity),
            "annotations": annotations_of(note, self.desk),
            "startsAt": iso(min(a.fired_at or a.started_at, now)),
            "endsAt": iso(ends),
        }
        if self.generator_url is not None:
            alert["generatorURL"] = self.generator_url
        return alert

    async def send(self, note: Notification, http: httpx.AsyncClient) -> None:
        now = datetime.now(UTC)
        fp = note.alert.fingerprint
        batch = [self.postable(note, now)]
        before = self._posted_severity.get(fp)
        if note.kind is Kind.FIRING and before not in (None, note.severity):
            batch.insert(0, self.postable(note, now, severity=before))
        await post_json(http, self._url, batch, self.timeout_s)
        if note.kind is Kind.RESOLVED:
            self._posted_severity.pop(fp, None)
        elif note.kind is Kind.FIRING:
            self._posted_severity[fp] = note.severity
