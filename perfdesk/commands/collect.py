"""`perfdesk collect`: the headless, always-on collector — engine -> database. No Qt.

Exit codes: 0 stopped cleanly (SIGTERM/SIGINT or --duration), 2 misconfigured,
3 refused because another collector already collects these strategies.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import AsyncIterator, Awaitable
from typing import TYPE_CHECKING

from perfdesk.commands._common import add_connection_arguments

if TYPE_CHECKING:
    from perfdesk.services.collector import CollectorConfig

log = logging.getLogger(__name__)

EXIT_CONFIG = 2
EXIT_LOCKED = 3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_connection_arguments(parser)
    parser.add_argument(
        "--duration", type=float, default=None, metavar="SECONDS", help="stop after this long"
    )
    parser.add_argument(
        "--strategies",
        default=os.environ.get("PERFDESK_STRATEGIES", "*"),
        metavar="ID,ID,...",
        help="collect only these strategies (comma-separated; default * = all). Several "
        "collectors may split one engine with disjoint lists.",
    )
    parser.add_argument(
        "--name",
        default=os.environ.get("PERFDESK_COLLECTOR_NAME"),
        help="collector id shown to desktop clients (default: HOST[STRATEGIES])",
    )
    parser.add_argument(
        "--heartbeat",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="heartbeat interval (clients show 'collector offline' when it stops)",
    )
    parser.add_argument(
        "--metrics-port",
        type=int,
        default=_env_int("PERFDESK_METRICS_PORT"),
        metavar="PORT",
        help="serve Prometheus metrics on this port (default: $PERFDESK_METRICS_PORT, else off)",
    )
    parser.add_argument(
        "--metrics-host", default="127.0.0.1", help="metrics address (default: loopback only)"
    )
    parser.add_argument(
        "--no-reports",
        action="store_true",
        help="do not run the report schedules here (another collector runs them)",
    )
    parser.add_argument(
        "--log-format",
        choices=["json", "text"],
        default="json",
        help="json: one JSON object per line (default); text: plain lines",
    )


def _env_int(name: str) -> int | None:
    value = os.environ.get(name)
    return int(value) if value else None


def run(args: argparse.Namespace) -> int:
    if args.log_format == "json":
        from perfdesk.services.collector_log import use_json_logs

        use_json_logs()
    return asyncio.run(_collect(args))


async def _collect(args: argparse.Namespace) -> int:
    from perfdesk.services.collector import Collector
    from perfdesk.services.collector_lock import CollectorLockError
    from perfdesk.services.report_render import headless_renderers
    from perfdesk.services.report_scheduler import start_report_scheduler

    if not args.engine_url:
        log.error("no engine configured: pass --engine-url or set PERFDESK_ENGINE_URL")
        return EXIT_CONFIG
    stop = _stop_event()
    async with _database(args.dsn) as dsn:
        try:
            collector = await Collector.start(_config(args, dsn))
        except CollectorLockError as exc:
            log.error("refusing to start: %s", exc)
            return EXIT_LOCKED
        # Report schedules: HTML/CSV in-process, PDF by a `perfdesk report` child (no Qt here).
        reports = await start_report_scheduler(
            collector.store, collector.runtime.alerts, headless_renderers(dsn)
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(_first(stop.wait(), collector.stopped.wait()), args.duration)
        await reports.stop()
        await collector.stop()
    return 0


def _config(args: argparse.Namespace, dsn: str) -> CollectorConfig:
    from perfdesk.services.collector import CollectorConfig
    from perfdesk.services.secrets import get_secret

    strategies = tuple(s.strip() for s in args.strategies.split(",") if s.strip()) or ("*",)
    return CollectorConfig(
        dsn=dsn,
        engine_url=args.engine_url,
        token=get_secret("engine_token"),
        strategies=strategies,
        name=args.name,
        heartbeat_s=args.heartbeat,
        metrics_port=args.metrics_port,
        metrics_host=args.metrics_host,
        reports=not args.no_reports,
    )


def _stop_event() -> asyncio.Event:
    """Set on SIGTERM (systemd stop) or SIGINT (Ctrl+C)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


async def _first(*waits: Awaitable[object]) -> None:
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()


@contextlib.asynccontextmanager
async def _database(dsn: str | None) -> AsyncIterator[str]:
    """The given DSN, or perfdesk's embedded PostgreSQL for a single-machine setup."""
    if dsn is not None:
        yield dsn
        return
    from perfdesk.services.bootstrap import APP_DATABASE, default_data_dir, ensure_database
    from perfdesk.services.embedded_db import EmbeddedPostgres

    embedded = EmbeddedPostgres(default_data_dir() / "db")
    admin = await asyncio.to_thread(embedded.start)
    try:
        yield await ensure_database(admin, APP_DATABASE)
    finally:
        await asyncio.to_thread(embedded.stop)
