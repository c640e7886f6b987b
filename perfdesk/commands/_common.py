"""Options shared by the commands that connect to a database and an engine."""

from __future__ import annotations

import argparse
import os
from typing import Any


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
    parser.add_argument(
        "--insecure",
        action=_AllowInsecure,
        nargs=0,
        help="send the engine token over plain ws:// to another host (refused otherwise; "
        "the status says the link is unencrypted). Same as PERFDESK_INSECURE=1",
    )


class _AllowInsecure(argparse.Action):
    """`--insecure` sets PERFDESK_INSECURE=1, which every engine client of the process
    reads (services/engine/transport.py): one switch, whichever command builds the link."""

    def __call__(self, parser: Any, namespace: Any, values: Any, option: Any = None) -> None:
        from perfdesk.services.engine.transport import INSECURE_ENV

        os.environ[INSECURE_ENV] = "1"
        setattr(namespace, self.dest, True)
