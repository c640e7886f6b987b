"""`perfdesk bench NAME [--quick] [--minutes N]`: run a benchmark.

Its last output line is one JSON object."""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import pkgutil
import sys

import perfdesk.bench


def _names() -> list[str]:
    modules = pkgutil.iter_modules(perfdesk.bench.__path__)
    return sorted(m.name for m in modules if not m.name.startswith("_"))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", choices=_names(), help="which benchmark")
    parser.add_argument("--quick", action="store_true", help="a smaller, faster run")
    parser.add_argument(
        "--minutes", type=float, metavar="N",
        help="how long a timed benchmark runs (soak: default 60, quick 10)",
    )  # fmt: skip


def run(args: argparse.Namespace) -> int:
    module = importlib.import_module(f"perfdesk.bench.{args.name}")
    options: dict[str, object] = {"quick": args.quick}
    if args.minutes is not None:
        if "minutes" not in inspect.signature(module.run).parameters:
            print(
                f"perfdesk bench: {args.name} has no --minutes (it is not a timed run)",
                file=sys.stderr,
            )
            return 2
        if not args.minutes > 0:
            print(f"perfdesk bench: --minutes must be positive, not {args.minutes}",
                  file=sys.stderr)  # fmt: skip
            return 2
        options["minutes"] = args.minutes
    result = module.run(**options)
    print(json.dumps({"bench": args.name, "quick": args.quick, **result}, default=float))
    return 0
