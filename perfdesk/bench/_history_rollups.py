"""1-minute and 1-day rollup rows computed with numpy, for bulk-loaded benchmark data.

The storage layer's own back-fill (migration 0002, SQL `array_agg … ORDER BY seq`) needs
minutes of CPU for 30 M rows; this computes the same bars from the arrays the loader
generated, in seconds. tests/services/test_history_bulk_rollups.py checks that both give
the same bars. Same conventions: bucket = start of the UTC minute/day; open/close by seq;
slippage_cost = ±(price − expected) × qty (+ for buys), slippage_notional = expected × qty.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

ROLLUP_COLS = (
    "strategy_id", "bucket", "open", "high", "low", "close", "open_seq", "close_seq",
    "samples", "realized_pnl", "unrealized_pnl", "fills", "fees", "notional",
    "slippage_cost", "slippage_notional",
)  # fmt: skip
_SUMS = ("fills", "fees", "notional", "slippage_cost", "slippage_notional")


@dataclass(frozen=True)
class Bars:
    """Bars as numpy columns (bucket = POSIX seconds of the bar start)."""

    bucket: FloatArray
    cols: dict[str, FloatArray]


def _groups(keys: FloatArray) -> tuple[FloatArray, IntArray, IntArray]:
    """Unique sorted keys with the first and last index of each run (keys sorted)."""
    uniq, first = np.unique(keys, return_index=True)
    last = np.r_[first[1:] - 1, keys.size - 1]
    return uniq, first.astype(np.int64), last.astype(np.int64)


def minute_bars(
    t: FloatArray,
    equity: FloatArray,
    seq: IntArray,
    realized: FloatArray,
    fills: dict[str, FloatArray],
) -> Bars:
    """Equity samples (sorted by t and seq) + fills (any order) -> 1-minute bars."""
    bucket, first, last = _groups(np.floor(t / 60.0) * 60.0)
    cols = {
        "open": equity[first],
        "high": np.maximum.reduceat(equity, first),
        "low": np.minimum.reduceat(equity, first),
        "close": equity[last],
        "open_seq": seq[first].astype(np.float64),
        "close_seq": seq[last].astype(np.float64),
        "samples": (last - first + 1).astype(np.float64),
        "realized_pnl": realized[last],
        "unrealized_pnl": np.zeros(bucket.size),
    }
    cols |= _fill_sums(bucket, fills)
    return Bars(bucket, cols)


def _fill_sums(bucket: FloatArray, fills: dict[str, FloatArray]) -> dict[str, FloatArray]:
    ft = np.floor(fills["t"] / 60.0) * 60.0
    where = np.searchsorted(bucket, ft)
    if ft.size and (where.max() >= bucket.size or np.any(bucket[where] != ft)):
        raise ValueError("a fill falls in a minute without equity samples")
    qty, px, exp = fills["qty"], fills["price"], fills["expected"]
    parts = {
        "fills": np.ones(ft.size),
        "fees": fills["fee"],
        "notional": qty * px,
        "slippage_cost": fills["sign"] * (px - exp) * qty,
        "slippage_notional": exp * qty,
    }
    out = {}
    for name, values in parts.items():
        total = np.zeros(bucket.size)
        np.add.at(total, where, values)
        out[name] = total
    return out


def day_bars(minutes: Bars) -> Bars:
    """1-day bars from 1-minute bars (open/close by seq, sums summed)."""
    bucket, first, last = _groups(np.floor(minutes.bucket / 86_400.0) * 86_400.0)
    c = minutes.cols
    cols = {
        "open": c["open"][first],
        "high": np.maximum.reduceat(c["high"], first),
        "low": np.minimum.reduceat(c["low"], first),
        "close": c["close"][last],
        "open_seq": c["open_seq"][first],
        "close_seq": c["close_seq"][last],
        "samples": np.add.reduceat(c["samples"], first),
        "realized_pnl": c["realized_pnl"][last],
        "unrealized_pnl": c["unrealized_pnl"][last],
    }
    cols |= {name: np.add.reduceat(c[name], first) for name in _SUMS}
    return Bars(bucket, cols)


def copy_records(sid: str, bars: Bars, pg_ts: Any) -> np.ndarray:
    """Binary COPY rows for rollup_1m / rollup_1d (column order ROLLUP_COLS)."""
    sid_b = sid.encode()
    kinds = {"open_seq": ">i8", "close_seq": ">i8", "samples": ">i4", "fills": ">i4"}
    fields = [("sid", f"S{len(sid_b)}"), ("bucket", ">i8")]
    fields += [(c, kinds.get(c, ">f8")) for c in ROLLUP_COLS[2:]]
    parts: list[tuple[str, str]] = [("n", ">i2")]
    for name, kind in fields:
        parts += [(f"len_{name}", ">i4"), (name, kind)]
    rows = np.zeros(bars.bucket.size, dtype=np.dtype(parts))
    rows["n"] = len(fields)
    rows["len_sid"], rows["sid"] = len(sid_b), sid_b
    rows["len_bucket"], rows["bucket"] = 8, pg_ts(bars.bucket)
    for name, kind in fields[2:]:
        rows[f"len_{name}"] = int(kind[-1])
        rows[name] = bars.cols[name]
    return rows
