"""`perfdesk bench NAME [--quick]`: run a benchmark; its last output line is one JSON object."""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil

import perfdesk.bench


def _names() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(perfdesk.bench.__path__))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", choices=_names(), help="which benchmark")
    parser.add_argument("--quick", action="store_true", help="a smaller, faster run")


def run(args: argparse.Namespace) -> int:
    module = importlib.import_module(f"perfdesk.bench.{args.name}")
    result = module.run(quick=args.quick)
    print(json.dumps({"bench": args.name, "quick": args.quick, **result}, default=float))
    return 0
