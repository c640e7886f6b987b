"""ChannelConfigStore: the `alert_channels` rows (migration 0500) and the delivery log.

URLs never reach the database: `save` puts a new URL in the OS keyring
(`alert_channel_<id>`); without a usable keyring the row is kept and the error says
which environment variable to set instead.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from perfdesk.domain.status import Status
from perfdesk.services.alerts.channels.base import AlertChannel
from perfdesk.services.alerts.channels.config import (
    ChannelConfig,
    build_channel,
    channel_from_secret,
    secret_name,
)
from perfdesk.services.alerts.channels.dispatcher import ChannelSource
from perfdesk.services.support import secrets

_COLUMNS = "id, name, kind, min_severity, strategies, enabled, send_resolved, options"


class SecretNotStoredError(RuntimeError):
    """The channel was saved but its URL could not go to the keyring."""


@dataclass(frozen=True)
class ChannelLog:
    """What Settings › Notifications shows per channel."""

    channel: str
    last_success_at: datetime | None = None
    last_error_at: datetime | None = None
    last_error: str | None = None
    sent: int = 0
    failed: int = 0


class ChannelConfigStore:
    def __init__(self, pool: Any) -> None:
        self._pool = pool

    async def list(self) -> list[ChannelConfig]:
        rows = await self._pool.fetch(
            f"SELECT {_COLUMNS} FROM alert_channels ORDER BY name"  # noqa: S608 - fixed columns
        )
        return [_config(r) for r in rows]

    async def save(self, config: ChannelConfig, url: str | None, who: str) -> ChannelConfig:
        """Insert (id None) or update a channel; a non-empty `url` replaces its secret.

        The URL is checked first (ValueError names the problem); nothing is stored then.
        """
        if url:
            build_channel(config, url)
        elif config.id is None:
            raise ValueError("a new channel needs its URL")
        values = (
            config.name, config.kind.value, config.min_severity.value, list(config.strategies),
            config.enabled, config.send_resolved, json.dumps(config.options()), who,
        )  # fmt: skip
        if config.id is None:
            new_id = await self._pool.fetchval(
                "INSERT INTO alert_channels (name, kind, min_severity, strategies, enabled,"
                " send_resolved, options, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                " RETURNING id",
                *values,
            )
        else:
            new_id = await self._pool.fetchval(
                "UPDATE alert_channels SET name = $1, kind = $2, min_severity = $3,"
                " strategies = $4, enabled = $5, send_resolved = $6, options = $7,"
                " updated_by = $8, updated_at = now() WHERE id = $9 RETURNING id",
                *values, config.id,
            )  # fmt: skip
            if new_id is None:
                raise KeyError(f"no alert channel with id {config.id}")
        saved = config.model_copy(update={"id": new_id})
        if url:
            await _store_url(saved.secret_name, url)
        return saved

    async def set_enabled(self, channel_id: int, enabled: bool, who: str) -> None:
        await self._pool.execute(
            "UPDATE alert_channels SET enabled = $2, updated_by = $3, updated_at = now()"
            " WHERE id = $1",
            channel_id, enabled, who,
        )  # fmt: skip

    async def delete(self, channel_id: int) -> None:
        await self._pool.execute("DELETE FROM alert_channels WHERE id = $1", channel_id)
        await asyncio.to_thread(_forget_url, secret_name(channel_id))

    async def delivery_log(self, channels: Iterable[str]) -> dict[str, ChannelLog]:
        """Per channel name: last success, last error (and why), counts."""
        rows = await self._pool.fetch(
            "SELECT channel,"
            " max(ts) FILTER (WHERE ok) AS last_success_at,"
            " max(ts) FILTER (WHERE NOT ok) AS last_error_at,"
            " (array_agg(error ORDER BY id DESC) FILTER (WHERE NOT ok))[1] AS last_error,"
            " count(*) FILTER (WHERE ok) AS sent, count(*) FILTER (WHERE NOT ok) AS failed"
            " FROM alert_deliveries WHERE channel = ANY($1::text[]) GROUP BY channel",
            list(channels),
        )
        return {r["channel"]: ChannelLog(**dict(r)) for r in rows}


async def _store_url(name: str, url: str) -> None:
    try:
        # A closure, not arguments: executors may log their callables' arguments.
        await asyncio.to_thread(lambda: secrets.set_secret(name, url))
    except Exception as exc:  # keyring backends raise their own errors; none mention the URL
        raise SecretNotStoredError(
            f"saved, but the URL could not go to the OS keyring ({type(exc).__name__}); "
            f"set {secrets.env_var(name)} where perfdesk runs"
        ) from exc


def _forget_url(name: str) -> None:
    try:
        secrets.delete_secret(name)
    except Exception:  # noqa: BLE001 - no keyring: nothing stored there to delete
        return


def _config(row: Any) -> ChannelConfig:
    options = row["options"]
    options = json.loads(options) if isinstance(options, str) else dict(options)
    return ChannelConfig(
        id=row["id"],
        name=row["name"],
        kind=row["kind"],
        min_severity=Status(row["min_severity"]),
        strategies=tuple(row["strategies"]),
        enabled=row["enabled"],
        send_resolved=row["send_resolved"],
        **{k: v for k, v in options.items() if k in ChannelConfig.model_fields},
    )


class StoredChannels:
    """The ChannelSource over the `alert_channels` table: enabled rows with a URL."""

    def __init__(self, pool: Any) -> None:
        self._pool = pool
        self._store = ChannelConfigStore(pool)

    async def version(self) -> object:
        row = await self._pool.fetchrow(
            "SELECT count(*) AS n, max(updated_at) AS at FROM alert_channels"
        )
        return (row["n"], row["at"])

    async def load(self) -> Sequence[AlertChannel]:
        channels: list[AlertChannel] = []
        for config in await self._store.list():
            if config.enabled:
                channel = await asyncio.to_thread(channel_from_secret, config)
                if channel is not None:
                    channels.append(channel)
        return channels


def stored_channels(pool: Any) -> ChannelSource:
    return StoredChannels(pool)
