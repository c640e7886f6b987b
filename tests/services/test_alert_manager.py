from datetime import UTC, datetime, timedelta

import pytest

from perfdesk.domain.alerts import AlertState
from perfdesk.domain.status import Status
from perfdesk.domain.verdict import RuleResult, Verdict
from perfdesk.services.alert_manager import AlertChange, AlertManager

T0 = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


def verdict(status: Status, sid: str = "s1", rule: str = "drawdown") -> Verdict:
    result = RuleResult(rule=rule, status=status, message=f"{rule} is {status}")
    return Verdict(strategy_id=sid, ts=T0, rules=(result,))


@pytest.fixture
def manager() -> tuple[AlertManager, list[tuple[str, AlertChange]]]:
    m = AlertManager()
    heard: list[tuple[str, AlertChange]] = []
    m.add_listener(lambda a, c: heard.append((a.fingerprint, c)))
    return m, heard


def test_fire_escalate_resolve(manager) -> None:
    m, heard = manager
    m.process([verdict(Status.WARNING)], T0)
    m.process([verdict(Status.WARNING)], T0 + timedelta(seconds=1))  # no repeat
    m.process([verdict(Status.CRITICAL)], T0 + timedelta(seconds=2))
    m.process([verdict(Status.OK)], T0 + timedelta(seconds=3))
    assert [c for _, c in heard] == [AlertChange.FIRED, AlertChange.ESCALATED, AlertChange.RESOLVED]
    alert = m.get("s1/drawdown")
    assert alert is not None and alert.state is AlertState.RESOLVED
    assert alert.started_at == T0
    assert m.active() == []


def test_insufficient_data_never_fires(manager) -> None:
    m, heard = manager
    m.process([verdict(Status.INSUFFICIENT_DATA)], T0)
    assert heard == []


def test_active_sorted_by_severity_then_recency(manager) -> None:
    m, _ = manager
    m.process([verdict(Status.WARNING, "a")], T0)
    m.process([verdict(Status.CRITICAL, "b")], T0 + timedelta(seconds=1))
    m.process([verdict(Status.WARNING, "c")], T0 + timedelta(seconds=2))
    assert [a.strategy_id for a in m.active()] == ["b", "c", "a"]


def test_ack_and_snooze_are_recorded(manager) -> None:
    m, heard = manager
    m.process([verdict(Status.CRITICAL)], T0)
    m.ack("s1/drawdown", "ana", "looking into it", T0 + timedelta(minutes=1))
    m.snooze("s1/drawdown", T0 + timedelta(hours=1), T0 + timedelta(minutes=2))
    alert = m.get("s1/drawdown")
    assert alert is not None
    assert (alert.acked_by, alert.ack_comment) == ("ana", "looking into it")
    assert alert.snoozed_until == T0 + timedelta(hours=1)
    assert [c for _, c in heard][-2:] == [AlertChange.ACKED, AlertChange.SNOOZED]
    with pytest.raises(KeyError, match="no alert"):
        m.ack("nope/rule", "ana", "", T0)
