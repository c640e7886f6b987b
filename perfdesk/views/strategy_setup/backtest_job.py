"""Import a backtest CSV and derive its expectation profile, reporting progress (Qt-free).

Runs in a worker thread (ops.run with a callable): `progress(fraction, stage)` is
called from that thread, so the view forwards it through a queued Qt signal.
Errors: BacktestImportError (with line/column issues) or ValueError with a message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from perfdesk.analytics.backtest_formats import FORMATS, read_backtest
from perfdesk.analytics.backtest_import import DailySeries, decode, parse_csv, require_varying
from perfdesk.analytics.profile import expectations_from_backtest
from perfdesk.domain.expectations import Expectations

Progress = Callable[[float, str], None]
CHUNK = 1 << 20


@dataclass(frozen=True)
class BacktestPreview:
    """What the user checks before saving: the series and the derived expectations."""

    path: Path
    series: DailySeries
    expectations: Expectations
    read: str = ""
    """What the format's parser read (`strategy.X.daily_profit + starting_balance`)."""
    notes: tuple[str, ...] = ()

    @property
    def wealth(self) -> npt.NDArray[np.float64]:
        """Growth of 1 over the backtest (for the preview chart)."""
        return np.asarray(np.cumprod(1.0 + self.series.returns), dtype=np.float64)

    @property
    def day_seconds(self) -> npt.NDArray[np.float64]:
        """The series' dates as POSIX seconds (UTC midnight)."""
        return self.series.dates.astype("datetime64[s]").astype(np.float64)


def read_text(path: Path, progress: Progress) -> str:
    """Read in 1 MiB chunks (reporting 0-40 %); refuse what is not UTF-8."""
    size = max(1, path.stat().st_size)
    chunks: list[bytes] = []
    done = 0
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            chunks.append(chunk)
            done += len(chunk)
            progress(0.4 * done / size, f"Reading {done / 1e6:.1f} of {size / 1e6:.1f} MB…")
    return decode(b"".join(chunks), path.name)


def run_import(
    path: Path, declared: dict[str, float | None], progress: Progress, fmt: str = "csv"
) -> BacktestPreview:
    """Read, check and profile a backtest file; `declared` values override derived ones.
    `fmt` is one of backtest_formats.FORMATS (the tool that wrote the file)."""
    read: str = ""
    notes: tuple[str, ...] = ()
    if fmt == "csv":
        text = read_text(path, progress)
        progress(0.45, "Checking rows…")
        series = parse_csv(text, source=path.name)
    else:
        progress(0.2, f"Reading {FORMATS[fmt]}…")
        result = read_backtest(fmt, path.read_bytes(), path.name)
        series, read, notes = result.series, result.read, result.notes
    series = require_varying(series, path.name)
    progress(0.6, f"Profiling {series.returns.size} daily returns (model fit, simulations)…")
    overrides: dict[str, Any] = dict(declared)
    expectations = expectations_from_backtest(series.returns, series.dates, **overrides)
    progress(1.0, "Done")
    return BacktestPreview(path, series, expectations, read, notes)
