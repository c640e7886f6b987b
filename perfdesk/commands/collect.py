"""`perfdesk collect`: the headless collector — engine -> database, validator, alerts. No Qt."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal

from perfdesk.commands._common import add_connection_arguments

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_connection_arguments(parser)
    parser.add_argument(
        "--duration", type=float, default=None, metavar="SECONDS", help="stop after this long"
    )


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_collect(args.dsn, args.engine_url, args.duration))


async def _collect(dsn: str | None, engine_url: str | None, duration: float | None) -> int:
    from perfdesk.services.bootstrap import BackendError, start_backend
    from perfdesk.services.secrets import get_secret

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        backend = await start_backend(dsn, engine_url, token=get_secret("engine_token"))
    except BackendError as exc:
        log.error("%s", exc)
        return 2
    log.info("collecting: %s", backend.description)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), duration)
    log.info("stopping: flushing and closing")
    await backend.stop()
    return 0
