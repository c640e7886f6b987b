"""Backtests from where traders make them -> daily returns (pure, Qt-free).

`read_backtest(fmt, data, source)` parses one tool's output; the result names what it
read (`FormatResult.read`) and any adjustment (`notes`); a file it cannot read is refused
with the line (or entry) and what was expected (`BacktestImportError`).
"""

from __future__ import annotations

import importlib
from pathlib import Path

from perfdesk.analytics.backtest_formats._common import FormatResult, to_series

FORMATS: dict[str, str] = {
    "csv": "perfdesk's own ts,equity / ts,return CSV",
    "freqtrade": "Freqtrade backtest-result-<ts>.zip or .json",
    "nautilus": "NautilusTrader account report (total) or analyzer returns CSV",
    "lean": "QuantConnect Lean result JSON (Strategy Equity)",
    "backtrader": "backtrader PyFolio analyzer returns CSV",
    "zipline": "zipline perf frame CSV (portfolio_value / returns)",
    "vectorbt": "vectorbt portfolio value CSV",
    "quantstats": "QuantStats-style returns CSV",
    "vnpy": "vn.py daily results CSV (balance / log return)",
}
"""Format name -> what it reads (for help texts and the picker)."""


def read_backtest(
    fmt: str, data: bytes, source: str, *, strategy: str | None = None, min_days: int = 30
) -> FormatResult:
    if fmt not in FORMATS:
        raise ValueError(f"unknown backtest format {fmt!r}; known: {', '.join(FORMATS)}")
    if fmt == "csv":
        from perfdesk.analytics.backtest_import import parse_csv

        series = parse_csv(data.decode("utf-8-sig"), source=source, min_days=min_days)
        return FormatResult(series, f"ts,{series.kind}", ())
    parser = importlib.import_module(f"perfdesk.analytics.backtest_formats.{fmt}")
    extracted = parser.parse(data, source, strategy=strategy)
    return to_series(extracted, source, min_days=min_days)


def read_backtest_file(fmt: str, path: str | Path, **kw: object) -> FormatResult:
    p = Path(path)
    return read_backtest(fmt, p.read_bytes(), p.name, **kw)  # type: ignore[arg-type]


__all__ = ["FORMATS", "FormatResult", "read_backtest", "read_backtest_file"]
