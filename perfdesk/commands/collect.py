"""`perfdesk collect`: the headless, always-on collector — engine -> database. No Qt.

Exit codes: 0 stopped cleanly (SIGTERM/SIGINT or --duration), 2 misconfigured,
3 refused because another collector already collects these strategies.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import logging
import os
import re
import signal
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path
from typing import TYPE_CHECKING

from perfdesk.commands._common import add_connection_arguments

if TYPE_CHECKING:
    from perfdesk.services.collector.service import CollectorConfig

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
        "--spool-dir",
        type=Path,
        default=os.environ.get("PERFDESK_SPOOL_DIR"),
        metavar="DIR",
        help="disk spool for events while the database is away (default: $PERFDESK_SPOOL_DIR, "
        "else DATA_DIR/spool/<database key>/<collector id>)",
    )
    parser.add_argument(
        "--ca-file",
        default=os.environ.get("PERFDESK_ENGINE_CA_FILE"),
        metavar="PEM",
        help="CA certificates for a wss:// engine with a private CA "
        "(default: $PERFDESK_ENGINE_CA_FILE, else the system's)",
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
        from perfdesk.services.collector.log import use_json_logs

        use_json_logs()
    return asyncio.run(_collect(args))


async def _collect(args: argparse.Namespace) -> int:
    from perfdesk.services.collector.lock import CollectorLockError
    from perfdesk.services.collector.service import Collector
    from perfdesk.services.live.pipeline import tune_gc_for_ingest

    if not args.engine_url:
        log.error("no engine configured: pass --engine-url or set PERFDESK_ENGINE_URL")
        return EXIT_CONFIG
    stop = _stop_event()
    async with _database(args.dsn) as dsn:
        try:
            collector = await Collector.start(_config(args, dsn))
            tune_gc_for_ingest()  # frozen start-up heap, fewer full GC passes per event
        except CollectorLockError as exc:
            log.error("refusing to start: %s", exc)
            return EXIT_LOCKED
        # The collector runs the report schedules itself (unless --no-reports).
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(_first(stop.wait(), collector.stopped.wait()), args.duration)
        await collector.stop()
    return 0


def _config(args: argparse.Namespace, dsn: str) -> CollectorConfig:
    from perfdesk.services.collector.service import CollectorConfig
    from perfdesk.services.support.secrets import get_secret

    strategies = tuple(s.strip() for s in args.strategies.split(",") if s.strip()) or ("*",)
    config = CollectorConfig(
        dsn=dsn,
        engine_url=args.engine_url,
        token=get_secret("engine_token"),
        strategies=strategies,
        name=args.name,
        heartbeat_s=args.heartbeat,
        metrics_port=args.metrics_port,
        metrics_host=args.metrics_host,
        reports=not args.no_reports,
        ca_file=args.ca_file or None,
    )
    return dataclasses.replace(config, spool_dir=args.spool_dir or _default_spool(config))


def _default_spool(config: CollectorConfig) -> Path:
    """One spool per database and collector id (a spool is locked by one process, and
    collectors splitting an engine run side by side on one host)."""
    from perfdesk.services.host.bootstrap import default_data_dir, spool_directory

    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", config.collector_id).strip("_") or "collector"
    return spool_directory(default_data_dir(), config.dsn) / slug


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
    from perfdesk.services.host.bootstrap import APP_DATABASE, default_data_dir, ensure_database
    from perfdesk.services.store.embedded_db import EmbeddedPostgres

    embedded = EmbeddedPostgres(default_data_dir() / "db")
    admin = await asyncio.to_thread(embedded.start)
    try:
        yield await ensure_database(admin, APP_DATABASE)
    finally:
        await asyncio.to_thread(embedded.stop)
