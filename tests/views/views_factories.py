"""Plain test data for the views: snapshots, alerts, and a fake SnapshotSource."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from perfdesk.domain.alerts import Alert, AlertState
from perfdesk.domain.snapshot import StrategySnapshot
from perfdesk.domain.status import FeedState, Status, StrategyState
from perfdesk.domain.verdict import RuleResult, Verdict

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


def make_snapshot(
    sid: str = "s1",
    version: int = 1,
    status: Status = Status.OK,
    pnl: float = 125.5,
    equity: float = 100_125.5,
    feed: FeedState = FeedState.LIVE,
    points: int = 50,
    received_at: float | None = None,
    last_ts: datetime = NOW,
) -> StrategySnapshot:
    rules = (
        RuleResult(
            rule="drawdown",
            status=status,
            message=f"drawdown {status.value}",
            value=0.05,
            limit=0.08,
            unit="fraction",
            since=NOW,
        ),
        RuleResult(
            rule="stale", status=Status.OK, message="feed live", value=0.2, limit=10.0, unit="s"
        ),
    )
    t = NOW.timestamp() - np.arange(points)[::-1] * 10.0
    return StrategySnapshot(
        strategy_id=sid,
        name=f"Strategy {sid}",
        state=StrategyState.ACTIVE,
        version=version,
        equity=equity,
        pnl_today=pnl,
        drawdown=0.01,
        max_drawdown=0.05,
        sharpe=1.25,
        sharpe_days=60,
        events=1234,
        last_ts=last_ts,
        received_at=received_at,
        feed=feed,
        verdict=Verdict(strategy_id=sid, ts=NOW, rules=rules),
        chart_t=t,
        chart_equity=np.linspace(100_000, equity, points),
    )


def make_alert(
    sid: str = "s1", severity: Status = Status.CRITICAL, rule: str = "drawdown", **kw: object
) -> Alert:
    return Alert(
        fingerprint=Alert.fingerprint_of(sid, rule),
        strategy_id=sid,
        rule=rule,
        severity=severity,
        state=kw.pop("state", AlertState.FIRING),
        message=f"{rule} breached",
        started_at=NOW,  # type: ignore[arg-type]
        updated_at=kw.pop("updated_at", NOW),
        **kw,  # type: ignore[arg-type]
    )


class FakeSource:
    """A plain in-test SnapshotSource: the tests set what the window will pull."""

    def __init__(self) -> None:
        self.snaps: dict[str, StrategySnapshot] = {}
        self.alerts: list[Alert] = []
        self.pulls = 0

    def snapshots(self) -> dict[str, StrategySnapshot]:
        self.pulls += 1
        return dict(self.snaps)

    def active_alerts(self) -> list[Alert]:
        return list(self.alerts)

    def storage(self) -> None:
        return None  # no database behind this source

    def engine_notes(self) -> list[str]:
        return []


async def until(condition: object, limit_s: float = 5.0) -> None:
    """Await (on the running loop) until `condition()` is truthy; fail after `limit_s`."""
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while not condition():  # type: ignore[operator]
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {limit_s} s")
        await asyncio.sleep(0.005)
