"""`perfdesk analyze`: live returns against a backtest — metrics, rules, verdict.

    perfdesk analyze --expect BACKTEST.csv --live LIVE.csv [--thresholds FILE] [--json]
                     [--replay]
    perfdesk analyze --strategy ID [--from DATE] [--to DATE] [--dsn DSN]
                     [--thresholds FILE] [--json] [--replay]

CSV files have the columns `ts,equity` or `ts,return`. With --strategy the live side is
a stored strategy's daily returns and the expected side its stored backtest profile;
the thresholds are the ones saved for it (as the live validator uses them) unless
--thresholds is given. Exit status 0 after an analysis (whatever the verdict), 2 when
an input is bad (the message says where).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from perfdesk.analytics.timestamps import FORMATS

    parser.add_argument(
        "--expect",
        type=Path,
        metavar="BACKTEST.csv",
        help="backtest CSV (ts,equity or ts,return): the expectation profile",
    )
    parser.add_argument(
        "--live",
        type=Path,
        metavar="LIVE.csv",
        help="live CSV (ts,equity or ts,return) to validate",
    )
    parser.add_argument(
        "--thresholds",
        type=Path,
        metavar="FILE",
        help="thresholds as YAML or JSON (default: the built-in defaults)",
    )
    parser.add_argument(
        "--ts-format",
        choices=FORMATS,
        help="the ts format of both CSV files when it cannot be told from the values "
        "(default: detected; ambiguous columns are refused)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--replay",
        action="store_true",
        help="walk the live series day by day and list every status change",
    )
    from perfdesk.services.host.stored_analysis import add_db_arguments

    add_db_arguments(parser)
    parser.add_argument(
        "--dsn",
        default=os.environ.get("PERFDESK_DSN"),
        help="with --strategy: the database (default: $PERFDESK_DSN, else the embedded one)",
    )


def run(args: argparse.Namespace) -> int:
    if args.strategy is not None:
        return _run_db(args)
    if args.expect is None or args.live is None:
        print(
            "perfdesk analyze: give --expect BACKTEST.csv and --live LIVE.csv, "
            "or --strategy ID for a stored strategy",
            file=sys.stderr,
        )
        return 2
    from perfdesk.analytics.analysis import analyze

    try:
        thresholds = _thresholds(args.thresholds)
        backtest, live = _read_files(args)
        result = _checked(
            args.expect, lambda: analyze(backtest, live, thresholds, with_transitions=args.replay)
        )
    except (ValueError, OSError) as exc:
        print(f"perfdesk analyze: {exc}", file=sys.stderr)
        return 2
    _print(result, args)
    return 0


def _read_files(args: argparse.Namespace) -> tuple[Any, Any]:
    """(backtest, live) daily series; BacktestImportError (a ValueError) says where not."""
    from perfdesk.analytics.backtest_import import read_csv, require_varying

    fmt = args.ts_format
    backtest = read_csv(args.expect, min_days=30, ts_format=fmt)
    live = read_csv(args.live, min_days=1, ts_format=fmt)
    return require_varying(backtest, str(args.expect)), live


def _checked(backtest: Path, work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """`work()`, with a backtest whose profile is out of range reported as a bad input."""
    from pydantic import ValidationError

    try:
        return work()
    except ValidationError as exc:
        if exc.title != "Expectations":
            raise
        err = exc.errors()[0]
        raise ValueError(
            f"{backtest}: the backtest gives an expectation out of range: "
            f"{'.'.join(map(str, err['loc']))} = {err.get('input')!r} ({err['msg']}); "
            "check the file's units"
        ) from None


def _run_db(args: argparse.Namespace) -> int:
    import asyncio

    from perfdesk.services.history.service import HistoryError
    from perfdesk.services.host.stored_analysis import analyze_with_dsn, range_from_args

    try:
        thresholds = _thresholds(args.thresholds) if args.thresholds else None
        start, end = range_from_args(args)
        result = asyncio.run(
            analyze_with_dsn(
                args.dsn, args.strategy, start, end, thresholds, with_transitions=args.replay
            )
        )
    except (HistoryError, ValueError, OSError) as exc:
        print(f"perfdesk analyze: {exc}", file=sys.stderr)
        return 2
    _print(result, args)
    return 0


def _print(result: dict[str, Any], args: argparse.Namespace) -> None:
    if args.json:
        print(json.dumps(result, allow_nan=False, default=str))
    else:
        print(_text(result, replay=args.replay))


def _thresholds(path: Path | None) -> Any:
    import yaml
    from pydantic import ValidationError

    from perfdesk.domain.thresholds import Thresholds

    if path is None:
        return Thresholds()
    text = _text_of(path)
    try:
        if path.suffix.lower() == ".json":
            return Thresholds.model_validate_json(text)
        return Thresholds.model_validate(yaml.safe_load(text) or {})
    except ValidationError as exc:
        raise ValueError(f"{path}: invalid thresholds:\n{exc}") from exc
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML: {exc}") from exc


def _text_of(path: Path) -> str:
    from perfdesk.analytics.backtest_import import not_utf8

    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: {not_utf8(data, exc)}") from None


_SHOWN = (
    "cumulative_return",
    "cagr",
    "annual_volatility",
    "sharpe_ratio",
    "sortino_ratio",
    "max_drawdown",
    "calmar_ratio",
    "win_rate",
    "profit_factor",
    "value_at_risk",
    "conditional_value_at_risk",
    "probabilistic_sharpe_ratio",
)


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def _text(result: dict[str, Any], *, replay: bool) -> str:
    from perfdesk.analytics.metrics.sample_size import shown

    live, exp = result["metrics"]["live"], result["metrics"]["expected"]
    lines = []
    if src := result.get("source"):
        lines += [
            f"strategy {src['strategy_id']} ({src['name']}): {src['days']} days,"
            f" {src['from']} to {src['to']}",
            f"thresholds: {result.get('thresholds', 'built-in defaults')}",
            "",
        ]
    lines += [f"{'metric':<28}{'live':>18}{'expected':>14}"]
    lines += [  # annualised figures below the minimum sample read "5 days — needs 20"
        f"{k:<28}{_fmt(shown(live, k)):>18}{_fmt(shown(exp, k)):>14}" for k in _SHOWN
    ]
    lines += ["", f"{'rule':<16}{'status':<19}{'value':>12}{'limit':>12}  message"]
    for r in result["rules"]:
        lines.append(
            f"{r['name']:<16}{r['status']:<19}{_fmt(r['value']):>12}"
            f"{_fmt(r['limit']):>12}  {r['message']}"
        )
    lines += ["", f"verdict: {result['status'].upper()} at {result['ts']}"]
    if replay:
        lines += ["", "status changes:"]
        for t in result.get("transitions", []):
            changed = ", ".join(f"{c['rule']} {c['from']}→{c['to']}" for c in t["rules"])
            lines.append(f"  {t['ts']}  {t['previous']} → {t['status']}  ({changed})")
    return "\n".join(lines)
