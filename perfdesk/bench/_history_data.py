"""Months of realistic samples straight into PostgreSQL, fast (for `bench history` and the
History screenshot).

`synthetic_events` (perfdesk.bench.storage) builds one pydantic event at a time — right
for tests, far too slow for 15.7 M rows — so this module generates the same tables with
numpy and loads them with binary COPY. The rollups come either from the storage layer's
own back-fill (schema at version 1 while loading, then migrate: migration 0002
aggregates every stored row; minutes of CPU for 30 M rows) or, by default, from numpy
(`_history_rollups`, checked equal to the back-fill by a test). `import_strategy` stores
the same samples the way the app does (`perfdesk import`'s back-fill: the live path's
COPY and fold), for the desk of `bench history`'s second part.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from perfdesk.bench import _history_rollups as rollup
from perfdesk.services.store import backfill, database

PG_EPOCH_US = 946_684_800 * 1_000_000  # 2000-01-01 in Unix microseconds
CHUNK_ROWS = 1_000_000
YEAR_S = 365.0 * 86_400.0
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class PathSpec:
    """A strategy's simulated account: drift/vol per year, volatility clustering by day,
    and an optional decay (drift and vol change) from `decay_at` (fraction of the path)."""

    annual_drift: float = 0.18
    annual_vol: float = 0.12
    decay_at: float | None = None
    decay_drift: float = -0.25
    decay_vol_ratio: float = 1.4
    start_equity: float = 1_000_000.0


def equity_path(n: int, step_s: float, spec: PathSpec, seed: int) -> FloatArray:
    """`n` equity samples `step_s` apart: lognormal steps, per-day volatility regime."""
    rng = np.random.default_rng(seed)
    per_day = max(1, round(86_400.0 / step_s))
    days = n // per_day + 2
    log_v = np.zeros(days)
    shocks = rng.normal(0.0, 0.25, days)
    for i in range(1, days):  # AR(1) log-volatility: calm and stormy weeks
        log_v[i] = 0.9 * log_v[i - 1] + shocks[i]
    vol = np.repeat(np.exp(log_v - 0.3), per_day)[:n]
    dt = step_s / YEAR_S
    drift = np.full(n, spec.annual_drift)
    sigma = spec.annual_vol * vol
    if spec.decay_at is not None:
        cut = int(n * spec.decay_at)
        drift[cut:] = spec.decay_drift
        sigma[cut:] *= spec.decay_vol_ratio
    steps = (drift - 0.5 * sigma**2) * dt + sigma * math.sqrt(dt) * rng.standard_normal(n)
    return spec.start_equity * np.exp(np.cumsum(steps))


def backtest_returns(days: int, spec: PathSpec, seed: int, periods_per_year: int) -> FloatArray:
    """Daily returns of the strategy's healthy regime (what its backtest showed)."""
    path = equity_path(days + 1, 86_400.0 * 365.0 / periods_per_year, spec, seed)
    return np.asarray(path[1:] / path[:-1] - 1.0, dtype=np.float64)


def _row_dtype(fields: list[tuple[str, str]]) -> np.dtype[Any]:
    parts: list[tuple[str, str]] = [("n", ">i2")]
    for name, kind in fields:
        parts += [(f"len_{name}", ">i4"), (name, kind)]
    return np.dtype(parts)


def _copy_payload(rows: np.ndarray) -> bytes:
    header = b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8
    return header + rows.tobytes() + b"\xff\xff"


def _fill(rows: np.ndarray, name: str, values: Any, width: int) -> None:
    rows[f"len_{name}"] = width
    rows[name] = values


def _pg_ts(unix_s: FloatArray) -> npt.NDArray[np.int64]:
    return (np.round(unix_s * 1e6).astype(np.int64) - PG_EPOCH_US).astype(np.int64)


def equity_rows(sid: str, t: FloatArray, equity: FloatArray, seq0: int) -> np.ndarray:
    """Binary COPY rows for the `equity` table."""
    sid_b = sid.encode()
    dt = _row_dtype(
        [("sid", f"S{len(sid_b)}"), ("seq", ">i8"), ("ts", ">i8"), ("eq", ">f8"),
         ("rp", ">f8"), ("up", ">f8"), ("pv", ">f8")]
    )  # fmt: skip
    rows = np.zeros(t.size, dtype=dt)
    rows["n"] = 7
    _fill(rows, "sid", sid_b, len(sid_b))
    _fill(rows, "seq", seq0 + np.arange(t.size), 8)
    _fill(rows, "ts", _pg_ts(t), 8)
    _fill(rows, "eq", equity, 8)
    _fill(rows, "rp", equity - equity[0], 8)
    _fill(rows, "up", 0.0, 8)
    _fill(rows, "pv", equity * 0.5, 8)
    return rows


def fill_arrays(t: FloatArray, side: str, seed: int) -> dict[str, FloatArray]:
    """Fills at times `t`: ~1 bp mean slippage against the side, 2 bp noise, $0.5 fees."""
    rng = np.random.default_rng(seed)
    n = t.size
    expected = 100.0 + rng.uniform(-1, 1, n)
    sign = 1.0 if side == "buy" else -1.0
    return {
        "t": t,
        "qty": rng.integers(1, 10, n).astype(np.float64),
        "price": expected * (1 + sign * rng.normal(1e-4, 2e-4, n)),
        "expected": expected,
        "fee": np.full(n, 0.5),
        "sign": np.full(n, sign),
    }


def fill_rows(sid: str, fills: dict[str, FloatArray], seq0: int, side: str) -> np.ndarray:
    """Binary COPY rows for the `fills` table."""
    sid_b, side_b = sid.encode(), side.encode()
    dt = _row_dtype(
        [("sid", f"S{len(sid_b)}"), ("seq", ">i8"), ("ts", ">i8"), ("oid", "S12"),
         ("sym", "S2"), ("side", f"S{len(side_b)}"), ("qty", ">f8"), ("px", ">f8"),
         ("fee", ">f8"), ("exp", ">f8")]
    )  # fmt: skip
    n = fills["t"].size
    rows = np.zeros(n, dtype=dt)
    rows["n"] = 10
    _fill(rows, "sid", sid_b, len(sid_b))
    _fill(rows, "seq", seq0 + np.arange(n), 8)
    _fill(rows, "ts", _pg_ts(fills["t"]), 8)
    _fill(rows, "oid", np.char.mod("o%011d", seq0 + np.arange(n)).astype("S12"), 12)
    _fill(rows, "sym", b"ES", 2)
    _fill(rows, "side", side_b, len(side_b))
    _fill(rows, "qty", fills["qty"], 8)
    _fill(rows, "px", fills["price"], 8)
    _fill(rows, "fee", fills["fee"], 8)
    _fill(rows, "exp", fills["expected"], 8)
    return rows


async def copy_rows(conn: Any, table: str, rows: np.ndarray, columns: tuple[str, ...]) -> None:
    """COPY `rows` (binary) into `table` in chunks of CHUNK_ROWS."""
    for i in range(0, rows.size, CHUNK_ROWS):
        payload = io.BytesIO(_copy_payload(rows[i : i + CHUNK_ROWS]))
        await conn.copy_to_table(table, source=payload, columns=columns, format="binary")


EQUITY_COLS = (
    "strategy_id", "seq", "ts", "equity", "realized_pnl", "unrealized_pnl", "position_value",
)  # fmt: skip
FILL_COLS = (
    "strategy_id", "seq", "ts", "order_id", "symbol", "side", "qty", "price", "fee",
    "expected_price",
)  # fmt: skip


async def load_strategy(
    conn: Any,
    sid: str,
    start: datetime,
    *,
    n: int,
    step_s: float,
    spec: PathSpec,
    fill_every_s: float = 300.0,
    seed: int = 0,
    rollups: bool = True,
) -> int:
    """Load `n` equity samples and a fill every `fill_every_s` of one strategy; returns
    the raw rows. `rollups=True` also COPYs its 1-minute and 1-day bars (numpy-built,
    schema at its head); False leaves them to the migration back-fill (`build_rollups`)."""
    t, equity, sides = strategy_arrays(
        start, n=n, step_s=step_s, spec=spec, fill_every_s=fill_every_s, seed=seed
    )
    await copy_rows(conn, "equity", equity_rows(sid, t, equity, 1), EQUITY_COLS)
    seq = n + 1
    for side, arrays in sides.items():
        await copy_rows(conn, "fills", fill_rows(sid, arrays, seq, side), FILL_COLS)
        seq += arrays["t"].size
    if rollups:
        await copy_rollups(conn, sid, minute_bars_of(t, equity, sides))
    return n + sum(a["t"].size for a in sides.values())


async def import_strategy(
    store: Any,
    sid: str,
    arrays: tuple[FloatArray, FloatArray, dict[str, dict[str, FloatArray]]],
) -> int:
    """A strategy's `strategy_arrays` (what `load_strategy` stores) stored the way the app
    stores history: through `perfdesk import`'s back-fill (`backfill.import_history`: the
    live path's COPY and rollup fold), so a strategy reporting once a minute is in raw
    mode (migration 0600: no 1-minute bars of its own). Returns the rows stored."""
    t, equity, sides = arrays
    fills = all_fills(sides)
    ids = [f"o{i:011d}" for i in range(fills["t"].size)]
    history = backfill.History(
        ts_us=np.round(t * 1e6).astype(np.int64), equity=equity,
        realized_pnl=equity - equity[0], unrealized_pnl=np.zeros(t.size),
        position_value=equity * 0.5,
        fills=backfill.Fills(
            ts_us=np.round(fills["t"] * 1e6).astype(np.int64), side=fills["sign"],
            qty=fills["qty"], price=fills["price"], fee=fills["fee"],
            expected=fills["expected"], order_id=ids, symbol=["ES"] * len(ids),
        ),
    )  # fmt: skip
    result = await backfill.import_history(store, sid, history)
    return result.equity_rows + result.fills


def all_fills(sides: dict[str, dict[str, FloatArray]]) -> dict[str, FloatArray]:
    """The fills of both sides as one set of columns (buys, then sells)."""
    parts = list(sides.values())
    return {k: np.concatenate([a[k] for a in parts]) for k in parts[0]}


def strategy_arrays(
    start: datetime, *, n: int, step_s: float, spec: PathSpec, fill_every_s: float, seed: int
) -> tuple[FloatArray, FloatArray, dict[str, dict[str, FloatArray]]]:
    """(sample times, equity, fills by side): what `load_strategy` stores."""
    t = start.timestamp() + step_s * np.arange(n, dtype=np.float64)
    equity = equity_path(n, step_s, spec, seed)
    fill_t = np.arange(t[0] + 1.0, t[-1], fill_every_s)
    sides = {
        side: fill_arrays(part, side, seed + len(side))
        for side, part in (("buy", fill_t[0::2]), ("sell", fill_t[1::2]))
    }
    return t, equity, sides


def minute_bars_of(
    t: FloatArray, equity: FloatArray, sides: dict[str, dict[str, FloatArray]]
) -> rollup.Bars:
    """The 1-minute bars of a strategy's arrays (equity seqs are 1..n)."""
    fills = all_fills(sides)
    seqs = np.arange(1, t.size + 1, dtype=np.int64)
    return rollup.minute_bars(t, equity, seqs, equity - equity[0], fills)


async def copy_rollups(conn: Any, sid: str, minutes: rollup.Bars) -> None:
    """COPY the 1-minute bars and the 1-day bars built from them."""
    for table, bars in (("rollup_1m", minutes), ("rollup_1d", rollup.day_bars(minutes))):
        await copy_rows(conn, table, rollup.copy_records(sid, bars, _pg_ts), rollup.ROLLUP_COLS)


async def prepare_schema(conn: Any, *, rollups: bool = True) -> None:
    """The schema for loading: at its head when the loader writes the rollups itself,
    else at version 1 (raw tables only), rolled up later by `build_rollups`."""
    await database.migrate(conn, upto=None if rollups else 1)


async def build_rollups(conn: Any) -> None:
    """Migrate to the head (migration 0002 back-fills both rollups from the raw rows when
    the schema was left at version 1), then VACUUM ANALYZE: months-old data on a desk has
    long been vacuumed (autovacuum takes a table after an insert of 20 % of it), and the
    first read of rows fresh from COPY sets their hint bits and writes every page back
    (measured: 6.6 s instead of 5.1 s for the 50-strategy history read). `bench storage`
    does the same before its reads."""
    await database.migrate(conn)
    await conn.execute("VACUUM ANALYZE")


def months_ago(months: int, now: datetime | None = None) -> datetime:
    """Midnight UTC `months` × 30.4 days before `now` (default: today)."""
    now = now or datetime.now(UTC)
    day = int(now.timestamp() // 86_400 - round(months * 30.44))
    return datetime.fromtimestamp(day * 86_400, UTC)
