"""`perfdesk conformance ws://…`: check an engine's protocol-v1 server; exit 0 if it
conforms, 1 if not (what is wrong is printed, one line per check)."""

from __future__ import annotations

import argparse
import asyncio
import os

from perfdesk.services.engine.conformance import check


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("url", help="the engine's ws:// or wss:// URL")
    parser.add_argument(
        "--token-env",
        default="PERFDESK_ENGINE_TOKEN",
        help="environment variable holding the bearer token (default: PERFDESK_ENGINE_TOKEN)",
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per wait")


def run(args: argparse.Namespace) -> int:
    report = asyncio.run(
        check(args.url, token=os.environ.get(args.token_env), timeout_s=args.timeout)
    )
    for result in report.results:
        print(result.line())
    print("conforms to protocol v1" if report.passed else "does NOT conform to protocol v1")
    return 0 if report.passed else 1
