"""Display time zones by name (a setting): "local", "UTC" or an IANA name."""

from __future__ import annotations

from datetime import UTC, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

LOCAL_ZONE = "local"
"""The setting's value for this computer's own zone."""


def zone_for(name: str) -> tzinfo | None:
    """The tzinfo for a display-zone setting ("local" -> None; "UTC"; "Europe/Paris");
    ValueError naming the setting when it is not a zone."""
    name = name.strip()
    if name.lower() in ("", LOCAL_ZONE):
        return None
    if name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown time zone {name!r}: use local, UTC or a name such as America/New_York"
        ) from exc
