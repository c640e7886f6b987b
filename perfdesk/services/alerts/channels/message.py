"""The words of a notification: what a trader reads on a phone, in a chat or a mail.

Every message says the strategy, the rule (its title), the value against its limit,
since when, and how to acknowledge. Times are UTC (the reader may be anywhere).
"""

from __future__ import annotations

import os
import socket
from datetime import datetime

from perfdesk.analytics.rules.titles import rule_title
from perfdesk.domain.status import Status
from perfdesk.domain.verdict import RuleResult
from perfdesk.services.alerts.channels.base import Kind, Notification

DESK_ENV = "PERFDESK_DESK"
ACK_HINT = "Acknowledge in perfdesk › Alerts (select {fp}, then Acknowledge), or silence it there."


def desk_name() -> str:
    """This desk's name in messages and Alertmanager labels: PERFDESK_DESK, else the host."""
    return os.environ.get(DESK_ENV, "").strip() or socket.gethostname()


def level(note: Notification) -> str:
    if note.kind is Kind.RESOLVED:
        return "RESOLVED"
    if note.kind is Kind.TEST:
        return "TEST"
    return "CRITICAL" if note.severity is Status.CRITICAL else "WARNING"


def title(note: Notification) -> str:
    """One line: `[perfdesk] CRITICAL · s1 · Drawdown`."""
    a = note.alert
    return f"[perfdesk] {level(note)} · {a.strategy_id} · {rule_title(a.rule)}"


def show_number(value: float, unit: str) -> str:
    if unit == "fraction":
        return f"{value:.2%}"
    if unit in ("s", "bps", "fills"):
        return f"{value:,.4g} {unit}"
    return f"{value:.4g}"


def value_vs_limit(result: RuleResult | None) -> str | None:
    """`12.40% vs limit 10.00%`, or None when the rule gave no value."""
    if result is None or result.value is None:
        return None
    text = show_number(result.value, result.unit)
    if result.limit is not None:
        text += f" vs limit {show_number(result.limit, result.unit)}"
    return text


def utc(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%d %H:%M:%S UTC")


def since(note: Notification) -> str:
    a = note.alert
    start = a.fired_at or a.started_at
    if note.kind is Kind.RESOLVED:
        return f"{utc(start)}, resolved {utc(note.event.ts)}"
    return utc(start)


def body(note: Notification, desk: str) -> str:
    """The multi-line text: strategy, rule, value vs limit, since, how to acknowledge."""
    a = note.alert
    lines = [
        f"Strategy: {a.strategy_id}",
        f"Rule: {rule_title(a.rule)} ({a.rule})",
        f"Severity: {level(note).lower() if note.kind is Kind.FIRING else a.severity.value}",
    ]
    shown = value_vs_limit(note.result)
    if shown is not None:
        lines.append(f"Value: {shown}")
    lines += [f"Detail: {a.message}", f"Since: {since(note)}", f"Desk: {desk}"]
    if note.kind is Kind.FIRING:
        if note.ack_url:
            lines.append(f"Acknowledge: {note.ack_url}")
        lines.append(ACK_HINT.format(fp=a.fingerprint))
    return "\n".join(lines)


def summary(note: Notification) -> str:
    """One line for chat previews and Alertmanager's summary annotation."""
    a = note.alert
    shown = value_vs_limit(note.result)
    what = f"{shown} — {a.message}" if shown else a.message
    return f"{level(note)} {a.strategy_id} · {rule_title(a.rule)}: {what}"
