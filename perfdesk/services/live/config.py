"""LiveConfig: saved thresholds and expectations that take effect in the running validator.

The Thresholds and Strategy-setup screens save through it. A saved threshold set is a
new version in the database (with its audit row) and is reloaded into the runtime's
ThresholdCache at once, so the next validation cycle (within `validate_every_s`)
judges by it; a saved expectation profile replaces the live monitor's. In client mode
there is no local monitor: the collector applies the change when it is notified.

Backend loop only (it uses the Store's pool); the GUI reaches it through
`backend_host.HostedConfig`.
"""

from __future__ import annotations

from typing import Protocol

from perfdesk.domain.expectations import Expectations
from perfdesk.domain.thresholds import Thresholds
from perfdesk.services.live.threshold_cache import ThresholdCache
from perfdesk.services.store.config_store import ConfigStore, SavedThresholds, scope_of


class ExpectationSink(Protocol):
    def set_expectations(self, strategy_id: str, expectations: Expectations) -> None: ...


class LiveConfig:
    def __init__(
        self,
        config: ConfigStore,
        thresholds: ThresholdCache,
        monitor: ExpectationSink | None = None,
    ) -> None:
        self._config = config
        self._thresholds = thresholds
        self._monitor = monitor

    async def load(self, strategy_id: str | None) -> SavedThresholds | None:
        return await self._config.load(strategy_id)

    async def history(self, strategy_id: str | None) -> list[SavedThresholds]:
        return await self._config.history(strategy_id)

    async def save(
        self,
        strategy_id: str | None,
        thresholds: Thresholds,
        who: str,
        *,
        comment: str | None = None,
    ) -> SavedThresholds:
        """Store a new version (with the reason, `comment`, in its audit row); live at once."""
        saved = await self._config.save(strategy_id, thresholds, who, comment=comment)
        await self._thresholds.reload([scope_of(strategy_id)])
        return saved

    async def load_expectations(self, strategy_id: str) -> Expectations | None:
        return await self._config.load_expectations(strategy_id)

    async def save_expectations(
        self, strategy_id: str, expectations: Expectations, who: str
    ) -> int:
        version = await self._config.save_expectations(strategy_id, expectations, who)
        if self._monitor is not None:
            self._monitor.set_expectations(strategy_id, expectations)
        return version
