"""The alert state machine, transition by transition, with a hand-driven clock (no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfdesk.domain.alerts import (
    Alert,
    AlertChange,
    AlertEvent,
    AlertPeak,
    AlertSettings,
    AlertState,
    Silence,
    SilenceEvent,
)
from perfdesk.domain.status import Status
from perfdesk.domain.verdict import RuleResult, Verdict
from perfdesk.services.alerts.manager import AlertManager, Change, Signal, classify

T0 = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
FP = "s1/drawdown"
OK, WARN, CRIT, NA = Status.OK, Status.WARNING, Status.CRITICAL, Status.INSUFFICIENT_DATA


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def verdict(
    status: Status, sid: str = "s1", rule: str = "drawdown", stale: Status | None = None, **kw
) -> Verdict:
    rules = [RuleResult(rule=rule, status=status, message=f"{rule} is {status}", **kw)]
    if stale is not None:
        rules.insert(0, RuleResult(rule="stale", status=stale, message=f"feed {stale}"))
    return Verdict(strategy_id=sid, ts=T0, rules=tuple(rules))


class Recorder:
    """A listener that keeps every change (what the store and channels would receive)."""

    def __init__(self) -> None:
        self.changes: list[Change] = []

    def __call__(self, change: Change) -> None:
        self.changes.append(change)

    @property
    def events(self) -> list[AlertEvent]:
        return [c for c in self.changes if isinstance(c, AlertEvent)]

    def kinds(self, fp: str = FP) -> list[AlertChange]:
        return [e.change for e in self.events if e.alert.fingerprint == fp]

    def notified(self, fp: str = FP) -> list[tuple[AlertChange, Status]]:
        return [
            (e.change, e.alert.severity)
            for e in self.events
            if e.notify and e.alert.fingerprint == fp
        ]


SETTINGS = AlertSettings(for_warning_s=10, for_critical_s=0, keep_firing_s=30, renotify_after_s=600)


@pytest.fixture
def rec() -> Recorder:
    return Recorder()


@pytest.fixture
def m(rec: Recorder) -> AlertManager:
    manager = AlertManager(SETTINGS, clock=lambda: T0)
    manager.add_listener(rec)
    return manager


def state(m: AlertManager, fp: str = FP) -> AlertState:
    alert = m.get(fp)
    assert alert is not None
    return alert.state


# --- lifecycle ------------------------------------------------------------------------


def test_warning_waits_pending_for_its_for_duration_then_fires(m, rec) -> None:
    m.process([verdict(WARN)], at(0))
    assert state(m) is AlertState.PENDING and rec.notified() == []
    m.process([verdict(WARN)], at(9.9))
    assert state(m) is AlertState.PENDING
    m.process([verdict(WARN)], at(10))
    assert state(m) is AlertState.FIRING
    assert rec.kinds() == [AlertChange.PENDING, AlertChange.FIRED]
    assert rec.notified() == [(AlertChange.FIRED, WARN)]
    alert = m.get(FP)
    assert alert and alert.started_at == at(0) and alert.fired_at == at(10)


def test_critical_with_zero_for_fires_at_once(m, rec) -> None:
    m.process([verdict(CRIT)], at(0))
    assert state(m) is AlertState.FIRING
    assert rec.kinds() == [AlertChange.FIRED]
    assert rec.notified() == [(AlertChange.FIRED, CRIT)]


def test_pending_that_clears_resolves_without_notifying(m, rec) -> None:
    m.process([verdict(WARN)], at(0))
    m.process([verdict(OK)], at(3))
    assert state(m) is AlertState.RESOLVED
    assert rec.kinds() == [AlertChange.PENDING, AlertChange.RESOLVED]
    assert rec.events[-1].comment == "cleared before firing"
    assert rec.notified() == []


def test_pending_escalating_to_critical_fires_immediately(m, rec) -> None:
    m.process([verdict(WARN)], at(0))
    m.process([verdict(CRIT)], at(1))
    assert state(m) is AlertState.FIRING
    assert rec.notified() == [(AlertChange.FIRED, CRIT)]


def test_escalation_updates_the_same_alert_and_notifies_once_per_level(m, rec) -> None:
    m.process([verdict(WARN)], at(0))
    m.process([verdict(WARN)], at(10))
    m.process([verdict(CRIT)], at(11))
    m.process([verdict(WARN)], at(12))
    m.process([verdict(CRIT)], at(13))  # flapping between levels: no second critical notice
    assert rec.kinds() == [
        AlertChange.PENDING,
        AlertChange.FIRED,
        AlertChange.ESCALATED,
        AlertChange.DEESCALATED,
        AlertChange.ESCALATED,
    ]
    assert rec.notified() == [(AlertChange.FIRED, WARN), (AlertChange.ESCALATED, CRIT)]
    assert len(m.alerts()) == 1 and m.get(FP).started_at == at(0)  # type: ignore[union-attr]


def test_recovering_then_resolved_after_keep_firing(m, rec) -> None:
    m.process([verdict(CRIT)], at(0))
    m.process([verdict(OK)], at(5))
    assert state(m) is AlertState.RECOVERING
    m.process([verdict(OK)], at(34.9))
    assert state(m) is AlertState.RECOVERING
    m.process([verdict(OK)], at(35))
    assert state(m) is AlertState.RESOLVED
    assert rec.kinds() == [AlertChange.FIRED, AlertChange.RECOVERING, AlertChange.RESOLVED]


def test_breach_while_recovering_refires_silently(m, rec) -> None:
    m.process([verdict(CRIT)], at(0))
    m.process([verdict(OK)], at(5))
    m.process([verdict(CRIT)], at(20))
    assert state(m) is AlertState.FIRING
    assert rec.kinds()[-1] is AlertChange.REFIRED
    assert rec.notified() == [(AlertChange.FIRED, CRIT)]
    m.process([verdict(OK)], at(21))
    m.process([verdict(OK)], at(50))  # the keep-firing timer restarted at 21
    assert state(m) is AlertState.RECOVERING


def test_refire_at_a_higher_severity_notifies(m, rec) -> None:
    m.process([verdict(WARN)], at(0))
    m.process([verdict(WARN)], at(10))
    m.process([verdict(OK)], at(11))
    m.process([verdict(CRIT)], at(12))
    assert rec.notified() == [(AlertChange.FIRED, WARN), (AlertChange.REFIRED, CRIT)]


def test_zero_keep_firing_resolves_at_once() -> None:
    m = AlertManager(AlertSettings(for_critical_s=0, keep_firing_s=0))
    m.process([verdict(CRIT)], at(0))
    m.process([verdict(OK)], at(1))
    assert state(m) is AlertState.RESOLVED


def test_recovery_margin_is_hysteresis() -> None:
    m = AlertManager(AlertSettings(keep_firing_s=0, recovery_margin=0.1))
    m.process([verdict(CRIT, value=0.12, limit=0.10)], at(0))
    m.process([verdict(OK, value=0.095, limit=0.10)], at(1))  # within 10 % of the limit
    assert state(m) is AlertState.FIRING
    m.process([verdict(OK, value=0.085, limit=0.10)], at(2))
    assert state(m) is AlertState.RESOLVED


def test_classify() -> None:
    r = RuleResult
    assert classify(r(rule="x", status=WARN, message=""), 0) is Signal.BREACH
    assert classify(r(rule="x", status=NA, message=""), 0) is Signal.HOLD
    assert classify(r(rule="x", status=OK, message="", value=1.0, limit=1.05), 0.1) is Signal.HOLD
    assert classify(r(rule="x", status=OK, message="", value=1.0, limit=1.05), 0) is Signal.CLEAR
    assert classify(r(rule="x", status=OK, message=""), 0.1) is Signal.CLEAR


def test_insufficient_data_neither_fires_nor_resolves(m, rec) -> None:
    m.process([verdict(NA)], at(0))
    assert m.get(FP) is None
    m.process([verdict(CRIT)], at(1))
    m.process([verdict(NA)], at(100))
    assert state(m) is AlertState.FIRING


def test_new_episode_within_quiet_period_is_shown_not_notified(m, rec) -> None:
    m.process([verdict(CRIT)], at(0))
    m.process([verdict(OK)], at(1))
    m.process([verdict(OK)], at(31))
    m.process([verdict(CRIT)], at(40))
    alert = m.get(FP)
    assert alert and alert.state is AlertState.FIRING and alert.episode == 2
    assert alert in m.active()
    assert rec.notified() == [(AlertChange.FIRED, CRIT)]
    m.process([verdict(OK)], at(41))
    m.process([verdict(OK)], at(80))
    m.process([verdict(CRIT)], at(700))  # quiet period (600 s) over
    assert rec.notified() == [(AlertChange.FIRED, CRIT), (AlertChange.FIRED, CRIT)]


# --- flapping -------------------------------------------------------------------------


@pytest.mark.parametrize("period_s", [0.25, 1.0, 20.0, 45.0, 120.0])
def test_flapping_input_produces_no_notification_storm(m, rec, period_s: float) -> None:
    """An hour of breach/clear flips at various periods: at most one notice per quiet period."""
    t, flips = 0.0, 0
    while t < 3600:
        m.process([verdict(CRIT if flips % 2 == 0 else OK)], at(t))
        t += period_s
        flips += 1
    # A clear is never seen to hold for keep_firing_s (the next verdict is a breach
    # again), so the whole hour is one episode: exactly one notification.
    assert rec.notified() == [(AlertChange.FIRED, CRIT)]


def test_flapping_that_resolves_each_time_notifies_once_per_quiet_period(m, rec) -> None:
    """Breach 120 s, clear 120 s, judged every second: each clear outlasts keep_firing_s
    (30 s), so a new episode starts every 240 s (at 0, 240, 480, ...); only those at
    least renotify_after_s (600 s) after the last notification notify: 0, 720, 1440,
    2160, 2880."""
    notified_at: list[int] = []
    for second in range(3600):
        before = len(rec.notified())
        m.process([verdict(CRIT if (second // 120) % 2 == 0 else OK)], at(second))
        if len(rec.notified()) > before:
            notified_at.append(second)
    assert notified_at == [0, 720, 1440, 2160, 2880]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from([OK, WARN, CRIT, NA]), st.floats(0.05, 120.0)),
        min_size=1,
        max_size=300,
    )
)
def test_any_input_notifies_at_most_one_per_level_per_quiet_period(steps) -> None:
    rec = Recorder()
    m = AlertManager(SETTINGS)
    m.add_listener(rec)
    t = 0.0
    for status, dt in steps:
        m.process([verdict(status)], at(t))
        t += dt
    times = [(e.ts, e.alert.severity) for e in rec.events if e.notify]
    for i, (ts, sev) in enumerate(times):
        window = [s for when, s in times[i + 1 :] if when - ts < timedelta(seconds=600)]
        assert sev not in window, "same level notified twice within the quiet period"
        assert len(window) <= 1
    alert = m.get(FP)
    assert alert is None or alert.severity in (WARN, CRIT)


# --- ack, snooze ------------------------------------------------------------------------


def test_ack_records_who_when_comment_and_keeps_quiet_until_escalation(m, rec) -> None:
    m.process([verdict(WARN)], at(0))
    m.process([verdict(WARN)], at(10))
    acked = m.ack(FP, "ana", "looking into it", at(20))
    assert (acked.acked_by, acked.acked_at, acked.ack_comment) == ("ana", at(20), "looking into it")
    assert rec.events[-1].actor == "ana" and rec.events[-1].comment == "looking into it"
    assert not acked.needs_attention(at(21))
    m.process([verdict(CRIT)], at(30))
    alert = m.get(FP)
    assert alert and alert.acked_at is None and alert.needs_attention(at(31))
    assert rec.notified()[-1] == (AlertChange.ESCALATED, CRIT)


def test_acked_alert_that_refires_in_the_same_episode_stays_acked(m, rec) -> None:
    m.process([verdict(CRIT)], at(0))
    m.ack(FP, "ana", "", at(1))
    m.process([verdict(OK)], at(2))
    m.process([verdict(CRIT)], at(3))
    alert = m.get(FP)
    assert alert and alert.acked_by == "ana" and len(rec.notified()) == 1


def test_ack_unknown_fingerprint_raises() -> None:
    with pytest.raises(KeyError, match="no alert"):
        AlertManager().ack("nope/rule", "ana", "", T0)


def test_snoozed_alert_is_quiet_and_notifies_when_the_snooze_ends_unnotified(m, rec) -> None:
    m.process([verdict(WARN)], at(0))
    m.snooze(FP, at(3600), at(1), who="ana")
    m.process([verdict(WARN)], at(10))  # fires while snoozed: no notice
    assert state(m) is AlertState.FIRING and rec.notified() == []
    assert not m.get(FP).needs_attention(at(11))  # type: ignore[union-attr]
    m.process([verdict(WARN)], at(3600))
    assert rec.kinds()[-1] is AlertChange.UNSNOOZED
    assert rec.notified() == [(AlertChange.UNSNOOZED, WARN)]


def test_snooze_after_notice_does_not_renotify_on_expiry(m, rec) -> None:
    m.process([verdict(CRIT)], at(0))
    m.snooze(FP, at(60), at(1))
    m.tick(at(61))
    assert len(rec.notified()) == 1 and m.get(FP).snoozed_until is None  # type: ignore[union-attr]


def test_snooze_until_recovery_ends_when_the_episode_resolves(m, rec) -> None:
    m.process([verdict(CRIT)], at(0))
    m.snooze(FP, None, at(1), until_recovery=True)
    assert m.get(FP).is_snoozed(at(10**6))  # type: ignore[union-attr]
    m.process([verdict(OK)], at(2))
    m.process([verdict(OK)], at(40))
    alert = m.get(FP)
    assert alert and alert.state is AlertState.RESOLVED and not alert.snooze_until_recovery
    with pytest.raises(ValueError, match="snooze needs"):
        m.snooze(FP, None, at(41))


def test_unsnooze(m, rec) -> None:
    m.process([verdict(WARN)], at(0))
    m.snooze(FP, at(999), at(1))
    m.process([verdict(WARN)], at(10))
    m.unsnooze(FP, "ana", at(11))
    assert rec.notified() == [(AlertChange.UNSNOOZED, WARN)]


# --- silences and inhibition ------------------------------------------------------------


def test_silence_by_strategy_mutes_until_expiry(m, rec) -> None:
    silence = m.add_silence(strategy_id="s1", rule=None, until=at(100), who="risk", now=at(0))
    m.process([verdict(CRIT), verdict(CRIT, sid="s2")], at(1))
    assert m.get(FP).silenced_by == silence.id  # type: ignore[union-attr]
    assert [a.strategy_id for a in m.active()] == ["s2"]
    assert rec.notified() == [] and rec.notified("s2/drawdown")
    m.process([verdict(CRIT), verdict(CRIT, sid="s2")], at(100))
    assert m.get(FP).silenced_by is None and m.silences() == []  # type: ignore[union-attr]
    assert rec.notified() == [(AlertChange.UNSILENCED, CRIT)]
    ended = [c for c in rec.changes if isinstance(c, SilenceEvent) and c.ended]
    assert [e.silence.id for e in ended] == [silence.id]


def test_silence_by_rule_applies_to_firing_alerts_and_can_be_ended(m, rec) -> None:
    m.process([verdict(CRIT), verdict(CRIT, rule="sharpe")], at(0))
    silence = m.add_silence(strategy_id=None, rule="sharpe", until=at(999), who="risk", now=at(1))
    assert m.get("s1/sharpe").silenced_by == silence.id  # type: ignore[union-attr]
    assert m.get(FP).silenced_by is None  # type: ignore[union-attr]
    assert rec.kinds("s1/sharpe")[-1] is AlertChange.SILENCED
    m.end_silence(silence.id, "risk", at(2))
    assert rec.kinds("s1/sharpe")[-1] is AlertChange.UNSILENCED
    assert len(rec.notified("s1/sharpe")) == 1  # notified before the silence; not again
    with pytest.raises(KeyError):
        m.end_silence(silence.id, "risk", at(3))


def test_adopted_silence_from_elsewhere_mutes_and_resilence_fixes_loaded_alerts(m, rec) -> None:
    """A silence stored by another desktop (clock ahead of ours) applies from now; a
    duplicate or an expired one is refused; after a load, resilence re-marks alerts."""
    m.process([verdict(CRIT)], at(0))
    ahead = Silence(id="x1", strategy_id="s1", created_by="b", created_at=at(5), expires_at=at(60))
    assert m.adopt_silence(ahead, at(1)) is True
    assert m.get(FP).silenced_by == "x1" and m.active() == []  # type: ignore[union-attr]
    assert rec.kinds()[-1] is AlertChange.SILENCED and rec.events[-1].actor == "b"
    assert m.adopt_silence(ahead, at(2)) is False  # already known
    late = Silence(id="x2", rule="drawdown", created_by="b", created_at=T0, expires_at=at(3))
    assert m.adopt_silence(late, at(4)) is False  # no longer in force
    # A restart with the alert stored silenced by a silence that ended meanwhile.
    other = AlertManager(SETTINGS)
    other.load(m.alerts(), [])
    other.resilence(at(5))
    assert other.get(FP).silenced_by is None  # type: ignore[union-attr]
    assert [a.fingerprint for a in other.active()] == [FP]


def test_settings_changed_live_apply_to_running_timers(m, rec) -> None:
    m.process([verdict(WARN)], at(0))  # pending: for_warning_s = 10
    m.apply_settings(SETTINGS.model_copy(update={"for_warning_s": 2, "keep_firing_s": 0}))
    m.process([verdict(WARN)], at(2))
    assert m.get(FP).state is AlertState.FIRING  # type: ignore[union-attr]
    m.process([verdict(OK)], at(3))  # keep_firing_s = 0 now: resolves at once
    assert m.get(FP).state is AlertState.RESOLVED  # type: ignore[union-attr]
    with pytest.raises(TypeError):
        m.apply_settings({"for_warning_s": 1})  # type: ignore[arg-type]


def test_silence_needs_a_scope_and_a_future_expiry() -> None:
    with pytest.raises(ValueError, match="strategy, a rule"):
        Silence(id="x", created_by="a", created_at=T0, expires_at=at(1))
    with pytest.raises(ValueError, match="expire after"):
        Silence(id="x", strategy_id="s1", created_by="a", created_at=T0, expires_at=T0)


def test_stale_feed_inhibits_performance_alerts(m, rec) -> None:
    """No data is not bad performance: while stale, the drawdown alert is muted."""
    m.process([verdict(CRIT, stale=WARN)], at(0))
    drawdown = m.get(FP)
    assert drawdown and drawdown.inhibited_by == "s1/stale" and drawdown.state is AlertState.FIRING
    assert rec.notified() == []
    assert [a.rule for a in m.active()] == []  # the stale alert is still pending (for 10 s)
    m.process([verdict(CRIT, stale=WARN)], at(10))
    assert [a.rule for a in m.active()] == ["stale"]
    assert rec.notified("s1/stale") == [(AlertChange.FIRED, WARN)]
    m.process([verdict(CRIT, stale=OK)], at(11))  # data again, still bad: now it counts
    assert rec.kinds()[-1] is AlertChange.UNINHIBITED
    assert rec.notified() == [(AlertChange.UNINHIBITED, CRIT)]


def test_inhibition_starts_on_an_already_firing_alert(m, rec) -> None:
    m.process([verdict(CRIT, stale=OK)], at(0))
    m.process([verdict(CRIT, stale=CRIT)], at(1))
    assert rec.kinds()[-1] is AlertChange.INHIBITED
    assert m.get(FP).inhibited_by == "s1/stale"  # type: ignore[union-attr]


# --- reads ------------------------------------------------------------------------------


def test_active_sorted_by_severity_then_recency(m) -> None:
    m.process([verdict(CRIT, "a")], at(0))
    m.process([verdict(CRIT, "b")], at(1))
    m.process([verdict(WARN, "c")], at(2))
    m.process([verdict(WARN, "c")], at(12))
    assert [a.strategy_id for a in m.active()] == ["b", "a", "c"]


def test_notice_feed_and_published_snapshot(m) -> None:
    m.process([verdict(CRIT, "a"), verdict(CRIT, "b")], at(0))
    notices = m.notices_after(0)
    assert [n.seq for n in notices] == [1, 2] and m.last_notice_seq == 2
    assert m.notices_after(1)[0].event.alert.strategy_id == "b"
    assert {a.fingerprint for a in m.published} == {"a/drawdown", "b/drawdown"}


def test_load_restores_without_emitting(rec) -> None:
    alert = Alert(
        fingerprint=FP,
        strategy_id="s1",
        rule="drawdown",
        severity=CRIT,
        state=AlertState.FIRING,
        message="m",
        started_at=T0,
        updated_at=T0,
        notified_severity=CRIT,
        notified_at=T0,
    )
    m = AlertManager(SETTINGS)
    m.add_listener(rec)
    m.load([alert])
    m.process([verdict(CRIT)], at(1))
    message = "drawdown is critical"
    assert rec.changes == [] and m.active() == [
        alert.model_copy(
            update={"message": message, "worst": AlertPeak(severity=CRIT, message=message)}
        )
    ]


def test_the_episode_keeps_its_worst_moment_while_the_value_eases(m) -> None:
    m.process([verdict(WARN, value=0.12, limit=0.10)], at(0))
    m.process([verdict(CRIT, value=0.30, limit=0.20)], at(20))
    m.process([verdict(CRIT, value=0.25, limit=0.20)], at(21))  # easing, still critical
    m.process([verdict(OK, value=0.05, limit=0.10)], at(22))  # recovering
    (alert,) = m.active()
    assert alert.state is AlertState.RECOVERING and alert.message == "drawdown is ok"
    assert alert.worst is not None
    assert (alert.worst.severity, round(alert.worst.excess, 6)) == (CRIT, 0.1)
    m.process([verdict(OK)], at(60))  # resolved; the next breach is a new episode
    m.process([verdict(CRIT, value=0.21, limit=0.20)], at(61))
    (again,) = m.active()
    assert again.episode == 2 and again.worst is not None
    assert round(again.worst.excess, 6) == 0.01


def test_a_failing_listener_is_logged_and_does_not_stop_the_others(
    rec, caplog: pytest.LogCaptureFixture
) -> None:
    m = AlertManager(SETTINGS)

    def broken(_change: Change) -> None:
        raise RuntimeError("listener bug")

    m.add_listener(broken)
    m.add_listener(rec)
    m.process([verdict(CRIT)], at(0))
    assert rec.kinds() == [AlertChange.FIRED] and state(m) is AlertState.FIRING
    assert "listener bug" in caplog.text
