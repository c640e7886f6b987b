"""Versioned thresholds (with audit trail), expectation profiles and alert settings in PostgreSQL.

`ConfigStore(store)` implements the views' `ThresholdRepository` and
`ExpectationRepository` protocols (perfdesk/views/support/repositories.py) structurally:
`strategy_id=None` is the global defaults (stored as scope '*'). Every save is a new
version and an audit row (who, when, old -> new); nothing is updated in place. The
database writes the audit row and the login (`db_user`) itself and checks the role
(migration 0800_roles_audit, docs/storage.md "Roles and the audit trail").
`AlertSettingsStore(pool)` keeps the alert settings (one global set) the same way:
every save a new version with who/when/why. Coroutines run on the store's event loop.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import asyncpg
from pydantic import ValidationError

from perfdesk.domain.alerts import AlertSettings
from perfdesk.domain.expectations import Expectations
from perfdesk.domain.thresholds import Thresholds
from perfdesk.services.store.store import Store, expectations_of_row

log = logging.getLogger(__name__)

GLOBAL_SCOPE = "*"
Action = Literal["save", "revert", "import"]


@dataclass(frozen=True)
class SavedThresholds:
    """One stored version of a threshold set."""

    version: int
    thresholds: Thresholds
    who: str
    at: datetime
    comment: str | None = None


@dataclass(frozen=True)
class ThresholdAudit:
    """One change: `old` is None for the first version of a scope."""

    scope: str
    version: int
    action: str
    actor: str
    at: datetime
    old: dict[str, Any] | None
    new: dict[str, Any]
    comment: str | None
    db_user: str | None = None
    """The database login that made the change (recorded by the database, migration
    0800); `actor` is the name the desk gave."""


def scope_of(strategy_id: str | None) -> str:
    return GLOBAL_SCOPE if strategy_id is None else strategy_id


def _saved(row: Any) -> SavedThresholds:
    return SavedThresholds(
        version=row["version"],
        thresholds=Thresholds.model_validate_json(row["settings"]),
        who=row["created_by"],
        at=row["created_at"],
        comment=row["comment"],
    )


class ConfigStore:
    """Thresholds and expectations over a `Store`'s pool."""

    def __init__(self, store: Store) -> None:
        self._pool = store.pool

    async def load(self, strategy_id: str | None) -> SavedThresholds | None:
        """The current version for a strategy (None = global defaults), or None."""
        row = await self._pool.fetchrow(
            "SELECT * FROM threshold_versions WHERE scope = $1 ORDER BY version DESC LIMIT 1",
            scope_of(strategy_id),
        )
        return None if row is None else _saved(row)

    async def save(
        self,
        strategy_id: str | None,
        thresholds: Thresholds,
        who: str,
        *,
        action: Action = "save",
        comment: str | None = None,
    ) -> SavedThresholds:
        """Store a new version; the database writes its audit row and records the login
        (`db_user`) itself (perfdesk_save_thresholds, migration 0800). `who` is the name
        the desk gives its user (shown in the UI); PermissionError if this login's role
        may not change thresholds."""
        row = await self._call(
            "SELECT * FROM perfdesk_save_thresholds($1, $2::jsonb, $3, $4, $5)",
            scope_of(strategy_id), thresholds.model_dump_json(), who, action, comment,
        )  # fmt: skip
        return _saved(row)

    async def _call(self, sql: str, *args: Any) -> Any:
        try:
            return await self._pool.fetchrow(sql, *args)
        except asyncpg.InsufficientPrivilegeError as exc:
            raise PermissionError(f"the database refused: {exc}") from exc

    async def revert(self, strategy_id: str | None, version: int, who: str) -> SavedThresholds:
        """Make an older version current again (as a new version, audited as a revert)."""
        row = await self._pool.fetchrow(
            "SELECT * FROM threshold_versions WHERE scope = $1 AND version = $2",
            scope_of(strategy_id),
            version,
        )
        if row is None:
            raise LookupError(f"no threshold version {version} for {scope_of(strategy_id)!r}")
        old = _saved(row)
        return await self.save(
            strategy_id, old.thresholds, who, action="revert", comment=f"revert to v{version}"
        )

    async def history(self, strategy_id: str | None) -> list[SavedThresholds]:
        """Every version, newest first."""
        rows = await self._pool.fetch(
            "SELECT * FROM threshold_versions WHERE scope = $1 ORDER BY version DESC",
            scope_of(strategy_id),
        )
        return [_saved(r) for r in rows]

    async def audit(
        self,
        strategy_id: str | None = None,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        all_scopes: bool = False,
    ) -> list[ThresholdAudit]:
        """Audit trail, oldest first: one scope, or every scope (reports) in [start, end)."""
        rows = await self._pool.fetch(
            "SELECT * FROM threshold_audit WHERE ($1 OR scope = $2)"
            " AND ($3::timestamptz IS NULL OR at >= $3) AND ($4::timestamptz IS NULL OR at < $4)"
            " ORDER BY at, id",
            all_scopes, scope_of(strategy_id), start, end,
        )  # fmt: skip
        return [
            ThresholdAudit(
                scope=r["scope"],
                version=r["version"],
                action=r["action"],
                actor=r["actor"],
                at=r["at"],
                old=json.loads(r["old_settings"]) if r["old_settings"] else None,
                new=json.loads(r["new_settings"]),
                comment=r["comment"],
                db_user=r["db_user"],
            )
            for r in rows
        ]

    async def load_expectations(self, strategy_id: str) -> Expectations | None:
        """The current expectation profile of a strategy, or None."""
        raw = await self._pool.fetchval(
            "SELECT profile FROM expectations WHERE strategy_id = $1 ORDER BY version DESC LIMIT 1",
            strategy_id,
        )
        return None if raw is None else expectations_of_row(strategy_id, raw)

    async def save_expectations(
        self,
        strategy_id: str,
        expectations: Expectations,
        who: str,
        *,
        source: Literal["declared", "backtest", "engine"] = "declared",
    ) -> int:
        """Store a new expectation version (and mirror it on `strategies`); returns it.
        Through perfdesk_save_expectations (migration 0800): the login is recorded."""
        row = await self._call(
            "SELECT perfdesk_save_expectations($1, $2, $3::jsonb, $4) AS version",
            strategy_id, source, expectations.model_dump_json(), who,
        )  # fmt: skip
        version: int = row["version"]
        return version


# --- alert settings ------------------------------------------------------------------


class AlertSettingsError(ValueError):
    """Bad alert settings; `errors` maps each bad field to a message a form can show."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__(
            "invalid alert settings: " + "; ".join(f"{k}: {v}" for k, v in errors.items())
        )


def validate_alert_settings(values: AlertSettings | Mapping[str, Any]) -> AlertSettings:
    """AlertSettings from a form's values, or AlertSettingsError naming each bad field.

    Missing fields keep their defaults; unknown fields, non-numbers, NaN/infinity and
    values outside a field's bounds are refused with its title and bounds in the message.
    """
    if isinstance(values, AlertSettings):
        return values
    errors: dict[str, str] = {}
    fields = AlertSettings.model_fields
    for name, value in values.items():
        if name not in fields:
            errors[name] = f"unknown setting (known: {', '.join(fields)})"
        elif isinstance(value, bool):
            errors[name] = (
                f"{fields[name].title}: expected a number of seconds or a fraction, got {value!r}"
            )
    try:
        settings = AlertSettings.model_validate(dict(values))
    except ValidationError as exc:
        for err in exc.errors():
            name = str(err["loc"][0]) if err["loc"] else "settings"
            errors.setdefault(name, _setting_message(name, err))
        raise AlertSettingsError(errors) from None
    if errors:
        raise AlertSettingsError(errors)
    return settings


def _setting_message(name: str, err: Any) -> str:
    field = AlertSettings.model_fields.get(name)
    if field is None:
        return f"unknown setting (known: {', '.join(AlertSettings.model_fields)})"
    bounds = {type(m).__name__: m for m in field.metadata}
    low = getattr(bounds.get("Ge"), "ge", None)
    high = getattr(bounds.get("Le"), "le", None)
    span = f"from {low:g} to {high:g}" if low is not None and high is not None else "a number"
    given = err.get("input")
    if _not_finite(given):
        return f"{field.title}: must be a finite number ({span}), got {given!r}"
    msg = str(err["msg"])
    return f"{field.title}: {msg[:1].lower()}{msg[1:]} (allowed: {span}), got {given!r}"


def _not_finite(value: Any) -> bool:
    try:
        return not math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


@dataclass(frozen=True)
class SavedAlertSettings:
    """One stored version of the alert settings; version 0 = built-in defaults (never saved)."""

    version: int
    settings: AlertSettings
    who: str | None = None
    at: datetime | None = None
    comment: str | None = None


DEFAULT_ALERT_SETTINGS = SavedAlertSettings(0, AlertSettings())


class AlertSettingsStore:
    """The alert settings' versions in `alert_settings_versions` (migration 0101)."""

    def __init__(self, pool: Any) -> None:
        self._pool = pool

    async def load(self) -> SavedAlertSettings:
        """The current version, or the defaults (version 0) if never saved.

        Raises AlertSettingsError if the stored row is not valid here (e.g. written by a
        newer perfdesk with other fields); callers keep what they had.
        """
        row = await self._pool.fetchrow(
            "SELECT * FROM alert_settings_versions ORDER BY version DESC LIMIT 1"
        )
        return DEFAULT_ALERT_SETTINGS if row is None else _saved_settings(row)

    async def save(
        self, values: AlertSettings | Mapping[str, Any], who: str, comment: str | None = None
    ) -> SavedAlertSettings:
        """Validate (AlertSettingsError) and store a new version; notifies every listener."""
        settings = validate_alert_settings(values)
        if not who:
            raise AlertSettingsError({"who": "say who changes the alert settings"})
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended('alert_settings', 9))"
            )
            row = await conn.fetchrow(
                "INSERT INTO alert_settings_versions (version, settings, created_by, comment)"
                " SELECT coalesce(max(version), 0) + 1, $1::jsonb, $2, $3"
                " FROM alert_settings_versions RETURNING *",
                settings.model_dump_json(), who, comment,
            )  # fmt: skip
        return _saved_settings(row)

    async def history(self, limit: int = 100) -> list[SavedAlertSettings]:
        """Stored versions, newest first (rows not valid here are left out, logged)."""
        rows = await self._pool.fetch(
            "SELECT * FROM alert_settings_versions ORDER BY version DESC LIMIT $1", limit
        )
        found = []
        for row in rows:
            try:
                found.append(_saved_settings(row))
            except AlertSettingsError as exc:
                log.warning("alert settings v%d are not valid here: %s", row["version"], exc)
        return found

    async def revert(self, version: int, who: str) -> SavedAlertSettings:
        """Make an older version current again (as a new version)."""
        row = await self._pool.fetchrow(
            "SELECT * FROM alert_settings_versions WHERE version = $1", version
        )
        if row is None:
            raise LookupError(f"no alert settings version {version}")
        old = _saved_settings(row)
        return await self.save(old.settings, who, comment=f"revert to v{version}")


def _saved_settings(row: Any) -> SavedAlertSettings:
    raw = row["settings"]
    values = json.loads(raw) if isinstance(raw, str) else dict(raw)
    return SavedAlertSettings(
        version=row["version"],
        settings=validate_alert_settings(values),
        who=row["created_by"],
        at=row["created_at"],
        comment=row["comment"],
    )
