"""Alert persistence on a real PostgreSQL: restart in every state resumes exactly, no re-notify."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from perfdesk.domain.alerts import (
    AlertChange,
    AlertEvent,
    AlertSettings,
    AlertState,
    Silence,
    SilenceEvent,
)
from perfdesk.domain.status import Status
from perfdesk.domain.verdict import RuleResult, Verdict
from perfdesk.services.alerts import store as alert_store
from perfdesk.services.alerts.manager import AlertManager, Change
from perfdesk.services.alerts.store import AlertPersistence
from perfdesk.services.store.store import Store

T0 = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
FP = "s1/drawdown"
OK, WARN, CRIT = Status.OK, Status.WARNING, Status.CRITICAL
SETTINGS = AlertSettings(for_warning_s=10, for_critical_s=0, keep_firing_s=30, renotify_after_s=600)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def verdict(status: Status, stale: Status = OK, sid: str = "s1") -> Verdict:
    rules = (
        RuleResult(rule="stale", status=stale, message=f"feed {stale}"),
        RuleResult(rule="drawdown", status=status, message=f"drawdown {status}"),
    )
    return Verdict(strategy_id=sid, ts=T0, rules=rules)


Steps = Callable[[AlertManager], None]


def _silence(m: AlertManager) -> None:
    m.process([verdict(CRIT)], at(0))
    m.add_silence(strategy_id="s1", rule=None, until=at(3600), who="risk", now=at(1))


SCENARIOS: dict[str, tuple[AlertState, Steps]] = {
    "pending": (AlertState.PENDING, lambda m: m.process([verdict(WARN)], at(0))),
    "firing": (AlertState.FIRING, lambda m: m.process([verdict(CRIT)], at(0))),
    "escalated": (
        AlertState.FIRING,
        lambda m: [m.process([verdict(s)], at(t)) for t, s in ((0, WARN), (10, WARN), (11, CRIT))],
    ),
    "recovering": (
        AlertState.RECOVERING,
        lambda m: [m.process([verdict(s)], at(t)) for t, s in ((0, CRIT), (5, OK))],
    ),
    "resolved": (
        AlertState.RESOLVED,
        lambda m: [m.process([verdict(s)], at(t)) for t, s in ((0, CRIT), (5, OK), (35, OK))],
    ),
    "acked": (
        AlertState.FIRING,
        lambda m: (m.process([verdict(CRIT)], at(0)), m.ack(FP, "ana", "on it", at(1))),
    ),
    "snoozed": (
        AlertState.FIRING,
        lambda m: (m.process([verdict(CRIT)], at(0)), m.snooze(FP, at(120), at(1), who="ana")),
    ),
    "snoozed_while_pending": (
        AlertState.PENDING,
        lambda m: (m.process([verdict(WARN)], at(0)), m.snooze(FP, at(120), at(1), who="ana")),
    ),
    "snoozed_until_recovery": (
        AlertState.FIRING,
        lambda m: (
            m.process([verdict(CRIT)], at(0)),
            m.snooze(FP, None, at(1), until_recovery=True),
        ),
    ),
    "silenced": (AlertState.FIRING, _silence),
    "inhibited": (AlertState.FIRING, lambda m: m.process([verdict(CRIT, stale=WARN)], at(0))),
}
# What happens next, identically fed to the original and to the restarted manager.
AFTER = [(at(t), verdict(v)) for t, v in ((5, CRIT), (12, CRIT), (40, OK), (75, OK), (200, WARN))]
AFTER += [(at(t), verdict(WARN)) for t in (210, 220, 4000)]


class Recorder:
    def __init__(self) -> None:
        self.changes: list[Change] = []

    def __call__(self, change: Change) -> None:
        self.changes.append(change)

    def summary(self) -> list[tuple[str, str, bool]]:
        return [
            (c.alert.fingerprint, c.change.value, c.notify)
            for c in self.changes
            if isinstance(c, AlertEvent)
        ]


async def started(store: Store, now: datetime) -> tuple[AlertManager, AlertPersistence, Recorder]:
    manager = AlertManager(SETTINGS, clock=lambda: now)
    persistence = AlertPersistence(store.pool)
    await persistence.start(manager, now)
    recorder = Recorder()
    manager.add_listener(recorder)
    return manager, persistence, recorder


@pytest.mark.parametrize("scenario", list(SCENARIOS))
async def test_restart_in_every_state_resumes_exactly(store: Store, scenario: str) -> None:
    expected_state, steps = SCENARIOS[scenario]
    first, persistence, _ = await started(store, T0)
    steps(first)
    await persistence.flush()
    assert first.get(FP) is not None and first.get(FP).state is expected_state  # type: ignore[union-attr]
    await persistence.aclose()

    second, persistence2, heard_after_restart = await started(store, at(2))
    assert second.alerts() and {a.fingerprint: a for a in second.alerts()} == {
        a.fingerprint: a for a in first.alerts()
    }
    assert second.silences() == first.silences()
    heard_original = Recorder()
    first.add_listener(heard_original)
    for now, v in AFTER:
        first.process([v], now)
        second.process([v], now)
    assert heard_after_restart.summary() == heard_original.summary()
    await persistence2.flush()
    stored = {a.fingerprint: a for a in (await persistence2.store.load(at(4000)))[0]}
    assert stored == {a.fingerprint: a for a in second.alerts()}
    await persistence2.aclose()


async def test_restart_does_not_renotify_a_firing_alert(store: Store) -> None:
    first, persistence, heard = await started(store, T0)
    first.process([verdict(CRIT)], at(0))
    await persistence.aclose()
    assert [n for _, _, n in heard.summary()] == [True]
    second, persistence2, heard2 = await started(store, at(1))
    for t in range(1, 50):
        second.process([verdict(CRIT)], at(t))
    assert second.active()[0].fingerprint == FP
    assert heard2.summary() == [] and second.notices_after(0) == []
    await persistence2.aclose()


async def test_history_keeps_every_change_with_who_and_why(store: Store) -> None:
    m, persistence, _ = await started(store, T0)
    m.process([verdict(WARN)], at(0))
    m.process([verdict(WARN)], at(10))
    m.ack(FP, "ana", "checking fills", at(11))
    m.process([verdict(CRIT)], at(12))
    m.snooze(FP, at(99), at(13), who="ana")
    m.process([verdict(OK)], at(14))
    m.process([verdict(OK)], at(60))
    await persistence.flush()
    history = await persistence.store.history(FP)
    assert [h.change for h in history] == [
        AlertChange.PENDING,
        AlertChange.FIRED,
        AlertChange.ACKED,
        AlertChange.ESCALATED,
        AlertChange.SNOOZED,
        AlertChange.RECOVERING,
        AlertChange.RESOLVED,
    ]
    ack = history[2]
    assert (ack.actor, ack.comment, ack.ts) == ("ana", "checking fills", at(11))
    assert [h.notified for h in history][:4] == [False, True, False, True]
    assert {h.episode for h in history} == {1}
    await persistence.aclose()


async def test_list_alerts_filters(store: Store) -> None:
    m, persistence, _ = await started(store, T0)
    m.process([verdict(CRIT, sid="a"), verdict(WARN, sid="b"), verdict(CRIT, sid="c")], at(0))
    m.process([verdict(OK, sid="c")], at(1))
    await persistence.flush()
    s = persistence.store
    assert {a.strategy_id for a in await s.list_alerts()} == {"a", "b", "c"}
    assert [a.strategy_id for a in await s.list_alerts(strategy_id="b")] == ["b"]
    assert [a.strategy_id for a in await s.list_alerts(state=AlertState.PENDING)] == ["b"]
    crit = await s.list_alerts(severity=CRIT, state=AlertState.FIRING)
    assert [a.strategy_id for a in crit] == ["a"]
    await persistence.aclose()


async def test_silences_persist_until_they_end(store: Store) -> None:
    m, persistence, _ = await started(store, T0)
    keep = m.add_silence(strategy_id="s1", rule=None, until=at(3600), who="risk", now=at(0))
    gone = m.add_silence(strategy_id=None, rule="sharpe", until=at(3600), who="risk", now=at(0))
    m.end_silence(gone.id, "lead", at(5))
    short = m.add_silence(strategy_id="s2", rule=None, until=at(10), who="risk", now=at(6))
    m.tick(at(10))  # expires
    await persistence.flush()
    assert [s.id for s in (await persistence.store.load(at(6)))[1]] == [keep.id]
    assert len(await persistence.store.silences(include_ended=True)) == 3
    assert (await persistence.store.load(at(3601)))[1] == []  # expired by then
    ends = {r.silence.id: (r.ended_at, r.ended_by) for r in await persistence.store.silence_rows(
        [keep.id, gone.id, short.id])}  # fmt: skip
    assert ends == {keep.id: (None, None), gone.id: (at(5), "lead"), short.id: (at(10), None)}
    await persistence.aclose()


async def test_a_change_the_database_refuses_is_logged_and_the_rest_stored(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    m, persistence, _ = await started(store, T0)
    bad = Silence.model_construct(
        id="bad", strategy_id="s1", rule=None, created_by="x", comment="",
        created_at=T0, expires_at=T0,
    )  # fmt: skip
    m.process([verdict(CRIT)], at(0))
    persistence(SilenceEvent.model_construct(silence=bad, ended_at=None))
    m.ack(FP, "ana", "after the bad one", at(1))
    await persistence.flush()
    assert persistence.stats.rejected == 1 and "refused" in caplog.text
    history = await persistence.store.history(FP)
    assert [h.change for h in history] == [AlertChange.FIRED, AlertChange.ACKED]
    await persistence.aclose()


async def test_schema_block_is_idempotent(store: Store) -> None:
    """Running the alerts block again (and ensure_schema twice) changes nothing: the
    same tables, columns and indexes, and stored rows survive."""
    shape = (
        "SELECT table_name, column_name, data_type FROM information_schema.columns"
        " WHERE table_schema = 'public' AND table_name LIKE 'alert%' ORDER BY 1, 2"
    )
    indexes = "SELECT indexname FROM pg_indexes WHERE tablename LIKE 'alert%' ORDER BY 1"
    await alert_store.ensure_schema(store.pool)
    before = [tuple(r) for r in await store.pool.fetch(shape)]
    index_before = [r[0] for r in await store.pool.fetch(indexes)]
    await store.pool.execute(
        "INSERT INTO alerts (fingerprint, strategy_id, rule, severity, state, message,"
        " started_at, updated_at) VALUES ('fp', 's', 'drawdown', 'critical', 'firing', 'm',"
        " now(), now())"
    )
    async with store.pool.acquire() as conn:
        await conn.execute(alert_store.schema_sql())  # a second run
    await alert_store.ensure_schema(store.pool)
    assert before and [tuple(r) for r in await store.pool.fetch(shape)] == before
    assert [r[0] for r in await store.pool.fetch(indexes)] == index_before
    assert await store.pool.fetchval("SELECT count(*) FROM alerts") == 1
