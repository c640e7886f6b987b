"""Options shared by the commands that connect to a database and an engine."""

from __future__ import annotations

import argparse
import os


def add_connection_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dsn",
        default=os.environ.get("PERFDESK_DSN"),
        help="PostgreSQL/TimescaleDB DSN (default: $PERFDESK_DSN, else the embedded server). "
        "Put the password in $PGPASSWORD or the keyring, not in the DSN.",
    )
    parser.add_argument(
        "--engine-url",
        default=os.environ.get("PERFDESK_ENGINE_URL"),
        help="the execution engine (default: $PERFDESK_ENGINE_URL): ws:// or wss:// "
        "(protocol v1: the simulator, an engine on perfdesk.publish), freqtrade+http:// or "
        "freqtrade+https:// (a Freqtrade bot's API server), nautilus+redis:// or "
        "nautilus+rediss:// (a NautilusTrader node's Redis message bus); the token or "
        "password comes from $PERFDESK_ENGINE_TOKEN or the keyring (docs/engines.md)",
    )
