"""The engine-source seam: a URL's scheme picks the source; a subset is filtered at it."""

from __future__ import annotations

import asyncio

import pytest

from perfdesk.services.engine.recorder import RecordingHandler
from perfdesk.services.engine.source import SourceConfig
from perfdesk.services.engine.sources import SourceError, open_source
from perfdesk.services.engine.ws_client import EngineClient
from perfdesk.sim import Simulator


async def _no_resume() -> dict[str, int]:
    return {}


def test_an_unknown_scheme_is_refused_when_configured_naming_the_known_ones() -> None:
    with pytest.raises(SourceError, match=r"'ftp://engine'.*ws://.*wss://"):
        open_source(SourceConfig("ftp://engine"))


def test_ws_and_wss_mean_protocol_v1() -> None:
    for url in ("ws://127.0.0.1:1", "WSS://engine.example:443"):
        source = open_source(SourceConfig(url))(RecordingHandler(), _no_resume)
        assert isinstance(source, EngineClient)


async def test_a_subset_source_delivers_and_resumes_only_its_strategies() -> None:
    sim = Simulator(strategies=3, seed=5, rate=2000.0, speedup=1440.0 * 200)
    url = await sim.start()
    mine = sim.strategy_ids[0]
    asked: list[dict[str, int]] = []

    async def resume() -> dict[str, int]:
        asked.append({sid: 1 for sid in sim.strategy_ids})
        return asked[-1]

    handler = RecordingHandler()
    source = open_source(SourceConfig(url, strategies=(mine,)))(handler, resume)
    task = asyncio.create_task(source.run())
    try:
        await handler.wait_for(lambda: handler.count(mine) >= 50)
    finally:
        await source.stop()
        await task
        await sim.stop()
    assert set(handler.strategies) == {mine}
    assert set(handler.seqs) == {mine}
    assert handler.seqs[mine][0] == 2  # resumed after the stored seq 1
    assert set(source.last_seqs) == {mine}


def test_the_engine_url_help_names_every_source() -> None:
    import argparse

    from perfdesk.commands._common import add_connection_arguments
    from perfdesk.services.engine.sources import BUILDERS

    parser = argparse.ArgumentParser()
    add_connection_arguments(parser)
    help_text = next(a.help for a in parser._actions if a.dest == "engine_url") or ""
    assert all(f"{scheme}://" in help_text for scheme in BUILDERS)


def test_adapter_schemes_build_their_sources() -> None:
    from perfdesk.services.engine.freqtrade.source import FreqtradeSource
    from perfdesk.services.engine.nautilus.source import NautilusSource

    ft = open_source(SourceConfig("freqtrade+http://ft@127.0.0.1:8080", token="pw"))
    assert isinstance(ft(RecordingHandler(), _no_resume), FreqtradeSource)
    nt = open_source(SourceConfig("nautilus+redis://127.0.0.1:6379/2?stream=s"))
    assert isinstance(nt(RecordingHandler(), _no_resume), NautilusSource)
