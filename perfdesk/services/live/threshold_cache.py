"""ThresholdCache: the current threshold set per scope, kept in step with the database.

Used by the collector (its validator reads `thresholds_for` every cycle) and by desktop
clients (to see a threshold change saved on another desktop). `reload(scopes)` is
called on a `perfdesk_thresholds` notification; `reload_all()` after a (re)connect.
Loop thread only for writes; `thresholds_for` and `versions` are plain dict reads.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from perfdesk.domain.thresholds import Thresholds
from perfdesk.services.store.config_store import GLOBAL_SCOPE

log = logging.getLogger(__name__)

_CURRENT = (
    "SELECT DISTINCT ON (scope) scope, version, settings FROM threshold_versions"
    " WHERE $1::text[] IS NULL OR scope = ANY($1) ORDER BY scope, version DESC"
)


class ThresholdCache:
    def __init__(self, pool: Any) -> None:
        self._pool = pool
        self._sets: dict[str, Thresholds] = {}
        self.versions: dict[str, int] = {}
        """scope -> current version number ('*' = global defaults)."""
        self.changes = 0
        """How many scope changes were applied (tests and benchmarks wait on it)."""

    def thresholds_for(self, strategy_id: str) -> Thresholds:
        """The strategy's own set, else the global defaults, else the built-in defaults."""
        found = self._sets.get(strategy_id) or self._sets.get(GLOBAL_SCOPE)
        return found if found is not None else Thresholds()

    def version(self, strategy_id: str | None) -> int:
        """Current version of a scope (None = global defaults); 0 if never saved."""
        return self.versions.get(GLOBAL_SCOPE if strategy_id is None else strategy_id, 0)

    async def reload_all(self) -> list[str]:
        return await self._load(None)

    async def reload(self, scopes: Iterable[str]) -> list[str]:
        """Re-read the given scopes; returns those whose version changed."""
        return await self._load(sorted(set(scopes)))

    async def _load(self, scopes: list[str] | None) -> list[str]:
        rows = await self._pool.fetch(_CURRENT, scopes)
        changed = []
        for row in rows:
            scope, version = row["scope"], int(row["version"])
            if self.versions.get(scope) == version:
                continue
            try:
                self._sets[scope] = Thresholds.model_validate_json(row["settings"])
            except ValidationError as exc:
                log.error("thresholds %r v%d are invalid here, keeping the previous: %s",
                          scope, version, exc)  # fmt: skip
            self.versions[scope] = version
            changed.append(scope)
        self.changes += len(changed)
        return changed
