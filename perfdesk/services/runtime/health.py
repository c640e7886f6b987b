"""System health as a verdict: perfdesk judges itself the way it judges a strategy.

Each cycle of the watchdog turns the supervisor's failing tasks, the age of the last
completed validation cycle and the engine source's refusals into one `Verdict` for the
pseudo-strategy `SYSTEM_ID`. The alert manager treats it like any other: a critical rule
fires at once (banner, tray, channels) and resolves when the rule is OK again. Pure: no
I/O, no clock of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from perfdesk.domain.status import Status
from perfdesk.domain.verdict import RuleResult, Verdict
from perfdesk.services.support.supervisor import TaskHealth

SYSTEM_ID = "perfdesk"
"""The strategy id of alerts about perfdesk itself (a failed task, a stalled validator)."""
TASK_RULE = "task_failed"
VALIDATOR_RULE = "validator_stalled"
CAP_RULE = "strategy_cap"


@dataclass(frozen=True)
class Vitals:
    """What the watchdog reads each cycle. Ages in seconds (None: never)."""

    tasks: Sequence[TaskHealth]
    failing: Sequence[TaskHealth]
    cycle_age_s: float | None
    validate_every_s: float
    stalled_after_s: float
    refused_strategies: int = 0
    strategy_cap: int = 0


def stalled_after(validate_every_s: float, cycles: int = 3, floor_s: float = 1.5) -> float:
    """Seconds without a completed validation cycle that count as a stall."""
    return max(floor_s, cycles * validate_every_s)


def system_verdict(v: Vitals, now: datetime) -> Verdict:
    """One rule per supervised task, one for the validator, one for the strategy cap."""
    failing = {h.name for h in v.failing}
    rules = [_task_rule(h, h.name in failing) for h in v.tasks]
    rules.append(_validator_rule(v))
    rules.append(_cap_rule(v))
    return Verdict(strategy_id=SYSTEM_ID, ts=now, rules=tuple(rules))


def _task_rule(h: TaskHealth, failing: bool) -> RuleResult:
    if failing:
        message = (
            f"perfdesk's {h.name} task failed ({h.last_error}); it is being restarted "
            f"(failures so far: {h.failures})"
        )
    else:
        message = f"perfdesk's {h.name} task is running"
    return RuleResult(
        rule=f"{TASK_RULE}:{h.name}",
        status=Status.CRITICAL if failing else Status.OK,
        message=message,
        value=float(h.failures),
        unit="failures",
        evidence={"task": h.name, "restarts": h.restarts, "last_error": h.last_error},
    )


def _validator_rule(v: Vitals) -> RuleResult:
    age = v.cycle_age_s
    stalled = age is None or age > v.stalled_after_s
    if stalled:
        since = "has not completed yet" if age is None else f"for {age:.1f} s"
        message = (
            f"No validation cycle {since} (expected every {v.validate_every_s:g} s): "
            "strategies are NOT being judged"
        )
    else:
        message = f"validation cycles complete (last {age:.2f} s ago)"
    return RuleResult(
        rule=VALIDATOR_RULE,
        status=Status.CRITICAL if stalled else Status.OK,
        message=message,
        value=age,
        limit=v.stalled_after_s,
        unit="s",
    )


def _cap_rule(v: Vitals) -> RuleResult:
    over = v.refused_strategies > 0
    message = (
        f"the engine sent {v.refused_strategies} strategies beyond the cap of "
        f"{v.strategy_cap}: their events are dead-lettered, not judged"
        if over
        else "strategies within the cap"
    )
    return RuleResult(
        rule=CAP_RULE,
        status=Status.CRITICAL if over else Status.OK,
        message=message,
        value=float(v.refused_strategies),
        limit=float(v.strategy_cap),
        unit="strategies",
    )
