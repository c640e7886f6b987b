"""`perfdesk import`: months of a strategy's history from CSV, at the speed of COPY.

    perfdesk import --strategy ID --equity EQUITY.csv [--fills FILLS.csv] [--name NAME]
                    [--dsn DSN]

EQUITY.csv: `ts,equity` [+ `realized_pnl`, `unrealized_pnl`, `position_value`];
FILLS.csv: `ts,side,qty,price` [+ `fee`, `expected_price`, `order_id`, `symbol`];
timestamps ISO 8601 (naive = UTC) or POSIX seconds. The history is placed before the
strategy's stored data (it must end before it begins) in one transaction, rows by binary
COPY and rollups built in bulk (docs/storage.md, "Importing history"). Works against the
embedded database (stop the desktop app first, it holds the embedded server) or any
PostgreSQL with --dsn / $PERFDESK_DSN. Exit status 0 after an import, 2 when an input is
bad (the message says where; nothing is stored).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--strategy", required=True, metavar="ID", help="strategy id")
    parser.add_argument(
        "--equity", required=True, type=Path, metavar="EQUITY.csv", help="equity samples"
    )
    parser.add_argument("--fills", type=Path, metavar="FILLS.csv", help="fills (optional)")
    parser.add_argument("--name", help="display name of a strategy not yet known")
    parser.add_argument(
        "--dsn",
        default=os.environ.get("PERFDESK_DSN"),
        help="the database (default: $PERFDESK_DSN, else the embedded one)",
    )


def run(args: argparse.Namespace) -> int:
    from perfdesk.services.store.backfill import HistoryImportError
    from perfdesk.services.store.history_csv import HistoryCsvError, read_history

    try:
        history = read_history(args.equity, args.fills)
        result = asyncio.run(_import(args, history))
    except (HistoryCsvError, HistoryImportError, OSError) as exc:
        print(f"perfdesk import: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 0


async def _import(args: argparse.Namespace, history: Any) -> dict[str, Any]:
    from perfdesk.domain.events import StrategyInfo
    from perfdesk.domain.status import StrategyState
    from perfdesk.services.host.bootstrap import APP_DATABASE, ensure_database
    from perfdesk.services.store.backfill import import_history
    from perfdesk.services.store.embedded_db import EmbeddedPostgres
    from perfdesk.services.store.store import Store

    embedded = None
    dsn = args.dsn
    if dsn is None:
        from perfdesk.services.host.bootstrap import default_data_dir

        embedded = EmbeddedPostgres(default_data_dir() / "db")
        dsn = await ensure_database(await asyncio.to_thread(embedded.start), APP_DATABASE)
    store = await Store.open(dsn)
    try:
        known = {s.strategy_id for s in await store.strategies()}
        if args.strategy not in known:
            await store.upsert_strategy(
                StrategyInfo(
                    strategy_id=args.strategy,
                    name=args.name or args.strategy,
                    status=StrategyState.STOPPED,
                )
            )
        result = await import_history(store, args.strategy, history)
    finally:
        await store.close()
        if embedded is not None:
            await asyncio.to_thread(embedded.stop)
    return {
        "strategy": args.strategy,
        "equity_rows": result.equity_rows,
        "fills": result.fills,
        "first": result.first.isoformat() if result.first else None,
        "last": result.last.isoformat() if result.last else None,
        "seqs": list(result.seqs),
        "raw_minute_mode": result.raw_mode,
    }
