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
    guard = parser.add_argument_group(
        "hostile input (valid frames refused at the source, dead-lettered; docs/reliability.md)"
    )
    for flag, var, text in (
        ("--max-future-s", "PERFDESK_MAX_FUTURE_S", "seconds an event may be ahead of this "
         "machine's clock (default 300)"),
        ("--max-seq-jump", "PERFDESK_MAX_SEQ_JUMP", "largest step past a strategy's last "
         "seq (default 1,000,000)"),
        ("--max-strategies", "PERFDESK_MAX_STRATEGIES", "strategies one engine may feed "
         "(default 2,000; beyond: a system alert)"),
    ):  # fmt: skip
        guard.add_argument(flag, action=_SetEnv, env=var, metavar="N", help=f"{text}; ${var}")


class _SetEnv(argparse.Action):
    """An option that sets an environment variable every engine source of the process
    reads (services/engine/guard.py GuardConfig.from_environment), checked at once."""

    def __init__(self, option_strings: Any, dest: str, env: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, **kwargs)
        self.env = env

    def __call__(self, parser: Any, namespace: Any, values: Any, option: Any = None) -> None:
        from perfdesk.services.engine.guard import GuardConfig

        before = os.environ.get(self.env)
        os.environ[self.env] = str(values)
        try:
            GuardConfig.from_environment()
        except ValueError as exc:
            if before is None:
                os.environ.pop(self.env, None)
            else:
                os.environ[self.env] = before
            parser.error(f"{option}: {exc}")
        setattr(namespace, self.dest, values)


class _AllowInsecure(argparse.Action):
    """`--insecure` sets PERFDESK_INSECURE=1, which every engine client of the process
    reads (services/engine/transport.py): one switch, whichever command builds the link."""

    def __call__(self, parser: Any, namespace: Any, values: Any, option: Any = None) -> None:
        from perfdesk.services.engine.transport import INSECURE_ENV

        os.environ[INSECURE_ENV] = "1"
        setattr(namespace, self.dest, True)
