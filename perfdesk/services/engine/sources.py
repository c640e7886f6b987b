"""Which engine source a URL means: the scheme picks the adapter (see engine/source.py)."""

from __future__ import annotations

from collections.abc import Callable

from perfdesk.domain import url_secrets
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

SourceBuilder = Callable[[SourceConfig, EventSink, Resume], EngineSource]


def _protocol_v1(config: SourceConfig, sink: EventSink, resume: Resume) -> EngineSource:
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


BUILDERS: dict[str, SourceBuilder] = {"ws": _protocol_v1, "wss": _protocol_v1}
"""URL scheme -> the source it means. An adapter adds its scheme here."""


class SourceError(ValueError):
    """The configured engine URL names no known source (the message lists them)."""


def open_source(config: SourceConfig) -> SourceFactory:
    """The factory for `config`; raises SourceError for an unknown scheme at once
    (configuration time), not when the runtime starts."""
    scheme = config.url.split("://", 1)[0].lower() if "://" in config.url else ""
    builder = BUILDERS.get(scheme)
    if builder is None:
        known = ", ".join(f"{s}://" for s in sorted(BUILDERS))
        where = url_secrets.redact(config.url)
        raise SourceError(f"no engine source for {where!r}; known: {known}")
    subset = config.subset

    def factory(sink: EventSink, resume: Resume) -> EngineSource:
        if subset is not None:
            sink = SubsetSink(sink, subset)
            resume = subset_resume(resume, subset)
        return builder(config, sink, resume)

    return factory
