"""DB mode of `perfdesk analyze`: the same result shape as the CSV mode, from the store."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime

import pytest
from history_seed import DAYS, START, seed

from perfdesk.domain.thresholds import DailyLossThresholds, Thresholds
from perfdesk.services.host.stored_analysis import analyze_db, parse_when, range_from_args
from perfdesk.services.store.config_store import ConfigStore
from perfdesk.services.store.store import Store


async def test_db_mode_result_has_the_analyze_shape(store: Store) -> None:
    await seed(store, "alpha")
    strict = Thresholds(daily_loss=DailyLossThresholds(warning_loss=0.001, critical_loss=0.002))
    out = await analyze_db(store, "alpha", None, None, strict, with_transitions=True)
    json.dumps(out, allow_nan=False)  # JSON-ready: no NaN, no numpy scalars
    assert {"status", "ts", "rules", "metrics", "expectations", "source", "gap"} <= set(out)
    assert out["source"]["days"] == DAYS and out["source"]["resolution"] == "1d"
    assert out["metrics"]["live"]["cumulative_return"] is not None
    assert out["metrics"]["expected"]["sharpe_ratio"] is not None
    assert any(t["status"] in ("warning", "critical") for t in out["transitions"])
    assert {r["name"] for r in out["rules"]} >= {"drawdown", "daily_loss"}


async def test_db_mode_range_limits_the_days(store: Store) -> None:
    await seed(store, "alpha")
    start = START.replace(day=START.day + 1)
    out = await analyze_db(store, "alpha", start, start.replace(day=start.day + 2))
    assert out["source"]["days"] == 2


def test_dates_and_ranges_are_parsed_with_clear_errors() -> None:
    assert parse_when("2026-01-31", "--from") == datetime(2026, 1, 31, tzinfo=UTC)
    assert parse_when("2026-01-31T10:00:00Z", "--to").hour == 10
    with pytest.raises(ValueError, match="--from: 'yesterday' is not a date"):
        parse_when("yesterday", "--from")
    args = argparse.Namespace(start="2026-02-01", end="2026-01-01")
    with pytest.raises(ValueError, match="--to 2026-01-01 must be after --from 2026-02-01"):
        range_from_args(args)


async def _analyze_cli(dsn: str, *argv: str) -> tuple[int, str, str]:
    """`perfdesk analyze` as a real process against the test database."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "perfdesk", "analyze", "--dsn", dsn, *argv,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_cli_db_mode_judges_by_the_saved_thresholds(store: Store, db_dsn: str) -> None:
    await seed(store, "alpha")
    code, out, err = await _analyze_cli(db_dsn, "--strategy", "alpha", "--json")
    assert code == 0, err
    default = json.loads(out.splitlines()[-1])
    assert default["thresholds"] == "built-in defaults"
    default_limit = next(r for r in default["rules"] if r["name"] == "daily_loss")["limit"]

    strict = Thresholds(daily_loss=DailyLossThresholds(warning_loss=0.001, critical_loss=0.002))
    await ConfigStore(store).save("alpha", strict, "alice")
    code, out, err = await _analyze_cli(db_dsn, "--strategy", "alpha", "--json")
    assert code == 0, err
    result = json.loads(out.splitlines()[-1])
    assert result["thresholds"] == "saved for alpha v1 by alice"
    daily = next(r for r in result["rules"] if r["name"] == "daily_loss")
    assert daily["limit"] in (pytest.approx(0.001), pytest.approx(0.002))
    assert default_limit not in (pytest.approx(0.001), pytest.approx(0.002))

    code, out, err = await _analyze_cli(db_dsn, "--strategy", "alpha", "--from", "2026-01-02")
    assert code == 0, err
    assert out.startswith("strategy alpha") and "thresholds: saved for alpha v1" in out


async def test_cli_db_mode_unknown_strategy_and_bad_dates_exit_2(store: Store, db_dsn: str) -> None:
    code, _out, err = await _analyze_cli(db_dsn, "--strategy", "nope")
    assert code == 2 and "nope" in err
    code, _out, err = await _analyze_cli(db_dsn, "--strategy", "alpha", "--from", "soon")
    assert code == 2 and "--from: 'soon' is not a date" in err
