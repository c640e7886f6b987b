"""The one HTTP client every channel shares (httpx, async), and a checked JSON POST."""

from __future__ import annotations

import ssl

import httpx

from perfdesk.services.alerts.channels import redact
from perfdesk.services.alerts.channels.base import ChannelError

USER_AGENT = "perfdesk-alerts"


def make_client(ca_file: str | None = None) -> httpx.AsyncClient:
    """A pooled client with certificate verification on (plus `ca_file`'s CAs if given).

    Redirects are not followed: a webhook that answers 3xx is misconfigured, and a
    redirect could carry the body (and its URL's token) elsewhere.
    """
    verify: ssl.SSLContext | bool = (
        ssl.create_default_context(cafile=ca_file) if ca_file is not None else True
    )
    return httpx.AsyncClient(
        verify=verify,
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT},
        limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
    )


async def post_json(
    http: httpx.AsyncClient,
    url: str,
    body: object,
    timeout_s: float,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """POST `body` as JSON; any 2xx is success, anything else a ChannelError."""
    try:
        response = await http.post(url, json=body, timeout=timeout_s, headers=headers)
    except httpx.TimeoutException as exc:
        raise ChannelError(f"no answer within {timeout_s:g} s") from exc
    except httpx.HTTPError as exc:
        raise ChannelError(redact.redact(f"{type(exc).__name__}: {exc}")) from exc
    if not 200 <= response.status_code < 300:
        detail = response.text[:200].strip()
        reason = f"HTTP {response.status_code}" + (f": {detail}" if detail else "")
        raise ChannelError(redact.redact(reason))
    return response
