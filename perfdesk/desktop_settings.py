"""Desktop settings: typed, self-describing (titles, help, bounds) and free of secrets.

The engine token and the database password are never part of these settings: they
live in the OS keyring or the environment (perfdesk.services.support.secrets). A DSN with a
password (userinfo or `?password=`) or an engine URL with a password or token in it is
refused with a message saying where the secret goes instead.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from perfdesk.domain import url_secrets
from perfdesk.domain.time_zones import zone_for
from perfdesk.services.engine.source import SourceConfig
from perfdesk.services.engine.sources import open_source


class _Group(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Appearance(_Group):
    """How perfdesk looks. Applied at once when saved."""

    theme: Literal["dark", "light", "system"] = Field(
        "dark",
        title="Theme",
        description="'Follow system' tracks the desktop's light/dark setting.",
        json_schema_extra={"labels": {"dark": "Dark", "light": "Light", "system": "Follow system"}},
    )
    palette: Literal["standard", "colorblind"] = Field(
        "standard",
        title="Colour palette",
        description="Colour-blind safe replaces red/green with the Okabe–Ito blue/orange pair.",
        json_schema_extra={"labels": {"standard": "Standard", "colorblind": "Colour-blind safe"}},
    )
    pnl_convention: Literal["green_up", "red_up"] = Field(
        "green_up",
        title="Profit / loss colours",
        description="Green for gains (Western desks) or red for gains (East Asian desks).",
        json_schema_extra={
            "labels": {"green_up": "Green up, red down", "red_up": "Red up, green down"}
        },
    )
    refresh_hz: float = Field(
        15.0,
        title="Dashboard refresh (Hz)",
        description="How often cards and charts repaint.",
        ge=5,
        le=30,
    )
    time_zone: str = Field(
        "local",
        title="Show times in",
        description="local (this computer's zone), UTC, or a zone such as America/New_York; "
        "every screen shows times in it, with its name.",
    )

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        zone_for(value)  # ValueError names the zone and what is accepted
        return value.strip() or "local"


class Connection(_Group):
    """Where live data comes from and where it is stored (restart to apply)."""

    engine_url: str = Field(
        "",
        title="Engine URL",
        description="The execution engine: ws(s):// (protocol v1), freqtrade+http(s)://, "
        "nautilus+redis://; empty = none.",
    )
    ca_bundle: str = Field(
        "",
        title="CA bundle (PEM)",
        description="Extra CA certificates for wss://; empty = system CAs.",
    )
    database: Literal["embedded", "external"] = Field(
        "embedded",
        title="Database",
        description="Embedded: perfdesk runs its own PostgreSQL. "
        "External: a PostgreSQL/TimescaleDB DSN.",
        json_schema_extra={
            "labels": {"embedded": "Embedded PostgreSQL", "external": "External (DSN)"}
        },
    )
    dsn: str = Field(
        "",
        title="Database DSN",
        description="postgresql://user@host:5432/perfdesk — password in the keyring.",
    )

    @field_validator("engine_url")
    @classmethod
    def _engine_url(cls, value: str) -> str:
        if value:
            try:
                open_source(SourceConfig(value))
            except ValueError as exc:  # SourceError names the known schemes
                raise ValueError(str(exc)) from None
        if value and url_secrets.has_secrets(value):
            raise ValueError(
                "holds a secret (a password or token): 'Store in keyring' moves it to the "
                "OS keyring as the engine token (or set PERFDESK_ENGINE_TOKEN)"
            )
        return value

    @field_validator("dsn")
    @classmethod
    def _no_password(cls, value: str) -> str:
        if not value:
            return value
        parts = urlsplit(value)
        if parts.scheme not in ("postgresql", "postgres"):
            raise ValueError("must start with postgresql://")
        if url_secrets.has_secrets(value):
            raise ValueError(
                "remove the password: 'Store in keyring' moves it to the OS keyring "
                "(or set PERFDESK_DB_PASSWORD)"
            )
        return value

    @model_validator(mode="after")
    def _dsn_when_external(self) -> Connection:
        if self.database == "external" and not self.dsn:
            raise ValueError("'Database DSN' is required when 'Database' is external")
        return self


class Notifications(_Group):
    """Tray popups and which alerts raise them."""

    tray_popups: bool = Field(
        True, title="Tray popups", description="Show a popup for each new or escalated alert."
    )
    min_severity: Literal["warning", "critical"] = Field(
        "warning",
        title="Popup from severity",
        description="Quieter: popups for critical alerts only.",
        json_schema_extra={
            "labels": {"warning": "Warning and critical", "critical": "Critical only"}
        },
    )
    mute_minutes: int = Field(
        60, title="'Mute' lasts (min)", description="Length of the tray menu's mute.", ge=1, le=1440
    )
    sound_on_critical: bool = Field(
        False,
        title="Sound on critical alerts",
        description="Ring the desktop bell with a critical popup (at most every 10 s).",
    )


class DesktopSettings(_Group):
    """Everything the Settings screen edits."""

    appearance: Appearance = Field(default_factory=Appearance)
    connection: Connection = Field(default_factory=Connection)
    notifications: Notifications = Field(default_factory=Notifications)
