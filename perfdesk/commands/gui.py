"""`perfdesk gui`: the desktop window on a configured engine and database."""

from __future__ import annotations

import argparse
from pathlib import Path

from perfdesk.commands._common import add_connection_arguments


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_connection_arguments(parser)
    add_window_arguments(parser)
    parser.add_argument(
        "--client",
        action="store_true",
        help="client mode: read live state from the shared database (--dsn) that a "
        "`perfdesk collect` writes; no engine link (see docs/collector.md)",
    )


def add_window_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--theme", choices=["dark", "light"], default="dark")
    parser.add_argument(
        "--screenshot",
        type=Path,
        metavar="PATH",
        help="save a PNG of the window after --after seconds, then quit "
        "(works without a display under QT_QPA_PLATFORM=offscreen)",
    )
    parser.add_argument("--after", type=float, default=20.0, metavar="SECONDS")


def run(args: argparse.Namespace, *, demo: bool = False) -> int:
    from perfdesk.app import AppConfig
    from perfdesk.app import run as run_app

    config = AppConfig(
        dsn=getattr(args, "dsn", None),
        engine_url=getattr(args, "engine_url", None),
        demo=demo,
        screenshot=args.screenshot,
        screenshot_after_s=args.after,
        theme=args.theme,
        client=getattr(args, "client", False),
        fresh=getattr(args, "fresh", False),
    )
    return run_app(config)
