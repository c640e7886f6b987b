"""Which engine source a URL means: the scheme picks the adapter (see engine/source.py).

| scheme | engine |
|---|---|
| `ws://`, `wss://` | protocol v1 (the simulator, an engine built on `perfdesk.publish`) |
| `freqtrade+http://`, `freqtrade+https://` | a Freqtrade bot's API server (REST + WebSocket) |
| `nautilus+redis://`, `nautilus+rediss://` | a NautilusTrader node's message bus on Redis streams |

Adapters are imported only when chosen, so a protocol-v1 user needs none of their
dependencies.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from perfdesk.domain import url_secrets
from perfdesk.services.engine.cursor import CursorStore, MemoryCursorStore
from perfdesk.services.engine.guard import EventGuard
from perfdesk.services.engine.source import (
    EngineSource,
    EventSink,
    Resume,
    SourceConfig,
    SourceFactory,
    SubsetSink,
    subset_resume,
)
from perfdesk.services.engine.ws_client import EngineClient

SourceBuilder = Callable[[SourceConfig, EventSink, Resume, CursorStore], EngineSource]


def _protocol_v1(
    config: SourceConfig, sink: EventSink, resume: Resume, _cursors: CursorStore
) -> EngineSource:
    return EngineClient(
        config.url,
        sink,
        token=config.token,
        resume=resume,
        strategies=config.strategies,
        ca_file=config.ca_file,
        guard=EventGuard(config.guard),
        insecure=config.insecure or None,  # None: PERFDESK_INSECURE (--insecure) decides
    )


def _lazy(module: str) -> SourceBuilder:
    """A builder that imports its adapter module (`build(config, sink, resume, cursors)`)
    only when a source of that kind is built."""

    def build(
        config: SourceConfig, sink: EventSink, resume: Resume, cursors: CursorStore
    ) -> EngineSource:
        built: EngineSource = importlib.import_module(module).build(config, sink, resume, cursors)
        built.guard = EventGuard(config.guard)  # the configured limits
        return built

    return build


_FREQTRADE = _lazy("perfdesk.services.engine.freqtrade.source")
_NAUTILUS = _lazy("perfdesk.services.engine.nautilus.source")

BUILDERS: dict[str, SourceBuilder] = {
    "ws": _protocol_v1,
    "wss": _protocol_v1,
    "freqtrade+http": _FREQTRADE,
    "freqtrade+https": _FREQTRADE,
    "nautilus+redis": _NAUTILUS,
    "nautilus+rediss": _NAUTILUS,
}
"""URL scheme -> the source it means. An adapter adds its scheme here."""


class SourceError(ValueError):
    """The configured engine URL names no known source (the message lists them)."""


def known_schemes() -> str:
    """`ws://, wss://, freqtrade+http://, ...` for help texts and errors."""
    return ", ".join(f"{s}://" for s in BUILDERS)


def open_source(config: SourceConfig) -> SourceFactory:
    """The factory for `config`; raises SourceError for an unknown scheme or a URL the
    adapter cannot use, at once (configuration time), not when the runtime starts."""
    scheme = config.url.split("://", 1)[0].lower() if "://" in config.url else ""
    builder = BUILDERS.get(scheme)
    if builder is None:
        where = url_secrets.redact(config.url)
        raise SourceError(f"no engine source for {where!r}; known: {known_schemes()}")
    if "://" not in config.url or not config.url.split("://", 1)[1].strip("/"):
        raise SourceError(f"{url_secrets.redact(config.url)!r} names no host")
    subset = config.subset

    def factory(
        sink: EventSink, resume: Resume, /, cursors: CursorStore | None = None
    ) -> EngineSource:
        if subset is not None:
            sink = SubsetSink(sink, subset)
            resume = subset_resume(resume, subset)
        return builder(config, sink, resume, cursors or MemoryCursorStore())

    return factory
