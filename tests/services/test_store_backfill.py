"""Importing history (store/backfill.py, store/history_csv.py, `perfdesk import`)."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from rollup_check import assert_rollups_match_raw

from perfdesk import cli
from perfdesk.bench.storage import synthetic_events
from perfdesk.services.store import backfill
from perfdesk.services.store.history_csv import HistoryCsvError, read_history
from perfdesk.services.store.store import Store

T0 = datetime(2025, 6, 2, tzinfo=UTC)


def _history(n: int, step_s: float, *, start: datetime = T0, fill_every_s: float = 0.0):
    rng = np.random.default_rng(n)
    t0 = round(start.timestamp() * 1e6)
    ts = t0 + np.round(np.arange(n) * step_s * 1e6).astype(np.int64)
    equity = 1e6 * np.exp(np.cumsum(rng.normal(0, 1e-4, n)))
    fills = None
    if fill_every_s:
        ft = np.arange(ts[0] + 1_000_000, ts[-1], round(fill_every_s * 1e6), dtype=np.int64)
        m = len(ft)
        expected = 100 + rng.uniform(-1, 1, m)
        fills = backfill.Fills(
            ts_us=ft, side=np.where(np.arange(m) % 2 == 0, 1.0, -1.0),
            qty=rng.integers(1, 5, m).astype(float), price=expected * 1.0001,
            fee=np.full(m, 0.25), expected=np.where(np.arange(m) % 3 == 0, np.nan, expected),
            order_id=[f"h{i}" for i in range(m)], symbol=["ES"] * m,
        )  # fmt: skip
    return backfill.History(ts, equity, equity - 1e6, np.zeros(n), np.full(n, 5e5), fills)


async def test_minute_history_into_an_empty_strategy_then_live(store: Store) -> None:
    history = _history(3 * 1440, 60.0, fill_every_s=600.0)
    result = await backfill.import_history(store, "imp", history)
    n = len(history) + len(history.fills or [])
    assert result.equity_rows == len(history) and result.seqs == (-n + 1, 0)
    assert result.raw_mode  # once a minute: the rows are the 1-minute bars
    assert await store.last_seqs() == {"imp": 0}  # the engine's resume point is untouched
    await assert_rollups_match_raw(store)
    # Live data after the history: the engine's seqs from 1.
    start = T0 + timedelta(days=3, minutes=5)
    await store.write_events(list(synthetic_events("imp", 500, start=start, step_s=60)))
    await assert_rollups_match_raw(store)
    t, _ = await store.equity_series("imp")
    assert len(t) == await store.pool.fetchval("SELECT count(*) FROM equity") and np.all(
        np.diff(t) > 0
    )


async def test_second_history_in_chunks_before_stored_data(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backfill, "CHUNK_ROWS", 50_000)
    await store.write_events(list(synthetic_events("s", 300, start=T0 + timedelta(days=2))))
    history = _history(2 * 86_400 - 7, 1.0, fill_every_s=97.0)
    t0 = time.perf_counter()
    result = await backfill.import_history(store, "s", history)
    seconds = time.perf_counter() - t0
    print(f"imported {result.equity_rows + result.fills} rows in {seconds:.2f} s")
    assert len(result.chunks) > 1 and not result.raw_mode
    assert result.seqs[1] == 0  # just below the engine's first seq
    await assert_rollups_match_raw(store)
    days = await store.rollups("s", "1d")
    assert len(days) == 3 and int(days["samples"].sum()) == len(history) + 270  # 30 fills
    # A second import must end before the first one begins.
    with pytest.raises(backfill.HistoryImportError, match="must end before"):
        await backfill.import_history(store, "s", _history(10, 60.0, start=T0))
    earlier = await backfill.import_history(
        store, "s", _history(100, 60.0, start=T0 - timedelta(days=1))
    )
    assert earlier.seqs[1] == result.seqs[0] - 1
    await assert_rollups_match_raw(store)


async def test_an_overlapping_import_stores_nothing(store: Store) -> None:
    await store.write_events(list(synthetic_events("o", 100, start=T0, step_s=60)))
    with pytest.raises(backfill.HistoryImportError, match="must end before"):
        await backfill.import_history(
            store, "o", _history(50, 60.0, start=T0 - timedelta(minutes=10))
        )
    assert await store.count_events("o") == 100


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_files_and_their_errors(tmp_path: Path) -> None:
    equity = _write(
        tmp_path / "e.csv",
        "ts,equity,realized_pnl\n2025-06-02T00:00:00,100,0\n1748822460,101.5,1.5\n\n"
        "2025-06-02 00:02:00+00:00,99,-1\n",
    )
    fills = _write(
        tmp_path / "f.csv",
        "ts,side,qty,price,expected_price\n"
        "2025-06-02T00:00:30,buy,2,100.5,\n2025-06-02T00:01:30,SELL,1,101,100.9\n",
    )
    history = read_history(equity, fills)
    assert history.ts_us.tolist() == [1748822400_000000, 1748822460_000000, 1748822520_000000]
    assert history.realized_pnl.tolist() == [0, 1.5, -1] and history.position_value.sum() == 0
    assert history.fills is not None and history.fills.side.tolist() == [1.0, -1.0]
    assert np.isnan(history.fills.expected[0]) and history.fills.order_id[0] == "import-2"
    bad = _write(tmp_path / "bad.csv", "ts,equity\nyesterday,1\n2025-06-02,abc\n2025-06-03,1,2\n")
    with pytest.raises(HistoryCsvError) as err:
        read_history(bad)
    text = str(err.value)
    assert "line 2, column 'ts'" in text and "line 3, column 'equity'" in text
    assert "line 4, column '*': 3 fields" in text
    with pytest.raises(HistoryCsvError, match="missing \\['equity'\\]"):
        read_history(_write(tmp_path / "h.csv", "ts,value\n1,2\n"))


async def test_the_import_command(db_dsn: str, tmp_path: Path, capsys) -> None:
    rows = "\n".join(f"{1748822400 + 60 * i},{1000 + i}" for i in range(500))
    equity = _write(tmp_path / "e.csv", "ts,equity\n" + rows + "\n")
    argv = ["import", "--strategy", "cli", "--equity", str(equity), "--dsn", db_dsn]
    assert await asyncio.to_thread(cli.main, [*argv, "--name", "From CSV"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["equity_rows"] == 500 and out["raw_minute_mode"] is True
    assert await asyncio.to_thread(cli.main, argv) == 2  # again: it overlaps what is stored
    assert "must end before" in capsys.readouterr().err
    store = await Store.open(db_dsn)
    try:
        assert [s.name for s in await store.strategies()] == ["From CSV"]
        assert await store.count_events("cli") == 500
    finally:
        await store.close()


async def test_bad_columns_are_refused(store: Store) -> None:
    history = _history(10, 60.0)
    history.equity[3] = np.nan
    with pytest.raises(backfill.HistoryImportError, match=r"equity\.equity: 1 values are not"):
        await backfill.import_history(store, "bad", history)
    short = backfill.History(history.ts_us, history.equity[:5], *(np.zeros(10),) * 3)
    with pytest.raises(backfill.HistoryImportError, match="differ in length"):
        await backfill.import_history(store, "bad", short)
    assert await store.count_events("bad") == 0
