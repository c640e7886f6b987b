"""`perfdesk retention`: show or set how long raw samples and 1-minute bars are kept.

    perfdesk retention [--raw-days N|forever] [--minute-bar-days M|forever] [--apply]
                       [--compact DAYS] [--dsn DSN]

Without a value it prints the stored setting; with one it saves it (the collector
applies it hourly; on TimescaleDB it becomes the retention policies at the next start).
--apply deletes what the setting no longer keeps now (plain PostgreSQL); --compact packs
raw equity days older than DAYS into compacted segments now (migration 0603; the
collector does it hourly after 2 days). Daily bars are
kept forever; 1-minute bars at least as long as raw samples. Exit status 2 for a bad
value (the message says why; nothing is saved).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from dataclasses import asdict
from typing import Any

FOREVER = "forever"
SETTINGS = ("raw_days", "minute_bar_days")


def _days(text: str) -> int | None:
    if text.strip().lower() == FOREVER:
        return None
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: a whole number of days or 'forever'") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--raw-days", type=_days, default=argparse.SUPPRESS, metavar="N",
        help="raw samples: days or forever",
    )  # fmt: skip
    parser.add_argument(
        "--minute-bar-days", type=_days, default=argparse.SUPPRESS, metavar="M",
        help="1-minute bars: days or forever",
    )  # fmt: skip
    parser.add_argument("--apply", action="store_true", help="delete what is due now")
    parser.add_argument(
        "--compact", type=int, default=None, metavar="DAYS",
        help="pack raw equity days older than DAYS into compacted segments now",
    )  # fmt: skip
    parser.add_argument(
        "--dsn",
        default=os.environ.get("PERFDESK_DSN"),
        help="the database (default: $PERFDESK_DSN, else the embedded one)",
    )


def run(args: argparse.Namespace) -> int:
    from perfdesk.services.store.compaction import CompactionError
    from perfdesk.services.store.retention import RetentionError

    try:
        print(json.dumps(asyncio.run(_run(args))))
    except (RetentionError, CompactionError) as exc:
        print(f"perfdesk retention: {exc}", file=sys.stderr)
        return 2
    return 0


async def _run(args: argparse.Namespace) -> dict[str, Any]:
    from perfdesk.services.host.bootstrap import APP_DATABASE, ensure_database
    from perfdesk.services.store import compaction, retention
    from perfdesk.services.store.embedded_db import EmbeddedPostgres
    from perfdesk.services.store.store import Store

    given = {k: getattr(args, k) for k in SETTINGS if hasattr(args, k)}  # None = forever
    embedded = None
    dsn = args.dsn
    if dsn is None:
        from perfdesk.services.host.bootstrap import default_data_dir

        embedded = EmbeddedPostgres(default_data_dir() / "db")
        dsn = await ensure_database(await asyncio.to_thread(embedded.start), APP_DATABASE)
    store = await Store.open(dsn)
    try:
        setting = await retention.load_retention(store.pool)
        if given:
            setting = retention.Retention(**{**asdict(setting), **given})
            await retention.save_retention(store.pool, setting)
        out: dict[str, Any] = asdict(setting)
        if args.apply:
            out["applied"] = asdict(await retention.apply_retention(store.pool, setting))
        if args.compact is not None:
            result = await compaction.compact(store.pool, after_days=args.compact)
            out["compacted"] = asdict(result)
    finally:
        await store.close()
        if embedded is not None:
            await asyncio.to_thread(embedded.stop)
    return out
