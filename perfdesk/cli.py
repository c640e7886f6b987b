"""The `perfdesk` command line. Each subcommand lives in its own module.

A subcommand module provides `add_arguments(parser)` and `run(args) -> int`, and is
imported only when chosen, so `perfdesk collect` never imports Qt.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from perfdesk import __version__

SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "gui": ("perfdesk.commands.gui", "open the desktop window (the default)"),
    "demo": ("perfdesk.commands.demo", "GUI + embedded PostgreSQL + built-in engine simulator"),
    "sim": ("perfdesk.commands.sim", "run the engine simulator (protocol v1 over WebSocket)"),
    "analyze": ("perfdesk.commands.analyze", "live returns vs a backtest: metrics, rules, verdict"),
    "collect": ("perfdesk.commands.collect", "headless collector: engine -> database, no Qt"),
    "bench": ("perfdesk.commands.bench", "run a benchmark; last line is one JSON object"),
    "report": ("perfdesk.commands.report", "write a PDF/HTML/CSV validation report from the DB"),
    "import": ("perfdesk.commands.importer", "import a strategy's history (equity/fills CSV)"),
    "retention": ("perfdesk.commands.retention", "show or set how long raw data and bars are kept"),
    "conformance": ("perfdesk.commands.conformance", "check an engine's protocol-v1 server"),
    "import-backtest": (
        "perfdesk.commands.import_backtest",
        "read a Freqtrade/Nautilus/Lean/backtrader/zipline/vectorbt/QuantStats/vn.py backtest",
    ),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="perfdesk",
        description="Watch live trading strategies and check they still match their backtest.",
    )
    parser.add_argument("--version", action="version", version=f"perfdesk {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG level")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(_module=module_name)
        _module(module_name).add_arguments(p)
    return parser


def _module(name: str):  # type: ignore[no-untyped-def]
    return importlib.import_module(name)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    module_name = getattr(args, "_module", "perfdesk.commands.gui")
    if args.command is None:
        args = build_parser().parse_args(["gui"])
    code: int = _module(module_name).run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
