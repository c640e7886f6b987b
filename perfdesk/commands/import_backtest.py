"""`perfdesk import-backtest --from TOOL FILE`: read a backtest another tool wrote, say
what was read, and print the expectations perfdesk derives from it (`--csv OUT` also
writes the daily returns as perfdesk's own `ts,return` CSV, for Strategy setup or
`perfdesk analyze`). Exit 1 with the line and what was expected if the file is refused."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from perfdesk.analytics.backtest_formats import FORMATS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--from",
        dest="fmt",
        required=True,
        choices=list(FORMATS),
        help="the tool that wrote FILE: " + "; ".join(f"{k}: {v}" for k, v in FORMATS.items()),
    )
    parser.add_argument("file", type=Path, help="the backtest file")
    parser.add_argument("--strategy", help="which strategy of a multi-strategy result")
    parser.add_argument("--csv", type=Path, help="also write the daily returns here")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    from perfdesk.analytics.backtest_formats import read_backtest_file
    from perfdesk.analytics.profile import expectations_from_backtest

    try:
        result = read_backtest_file(args.fmt, args.file, strategy=args.strategy)
    except (OSError, ValueError) as exc:  # BacktestImportError is a ValueError
        print(f"refused: {exc}", file=sys.stderr)
        return 1
    series = result.series
    exp = expectations_from_backtest(series.returns, series.dates)
    summary = {
        "file": str(args.file),
        "format": args.fmt,
        "read": result.read,
        "notes": list(result.notes),
        "days": int(series.returns.size),
        "first": str(series.dates[0]),
        "last": str(series.dates[-1]),
        "annual_return": exp.annual_return,
        "annual_volatility": exp.annual_volatility,
        "sharpe": exp.sharpe,
        "max_drawdown": exp.max_drawdown,
    }
    if args.csv is not None:
        lines = [f"{d},{r!r}" for d, r in zip(series.dates, series.returns, strict=True)]
        args.csv.write_text("ts,return\n" + "\n".join(lines) + "\n", encoding="utf-8")
        summary["csv"] = str(args.csv)
    if args.json:
        print(json.dumps(summary, default=float))
    else:
        for key, value in summary.items():
            print(f"{key:>17}: {value}")
    return 0
