"""The title a trader reads for any rule id an alert can carry (Qt-free, one place).

Strategy rules come from the rule registry (`registry.py` beside this file); perfdesk's
own health rules (services/runtime/health.py: a failed task, a stalled validator, the
strategy cap, a strategy that could not be judged) and client mode's collector alerts
are named here. Screens, channels and reports all call `rule_title`.
"""

from __future__ import annotations

from perfdesk.analytics.rules import registry

SYSTEM_TITLES = {
    "judge_failed": "Could not judge",
    "validator_stalled": "Validation stalled",
    "strategy_cap": "Too many strategies",
    "collector": "Collector",
    "stale_feed": "Feed",
}
TASK_PREFIX = "task_failed:"


def rule_title(rule: str) -> str:
    """ "Drawdown" for "drawdown", "Task failed: store-writer" for a task rule; an
    unknown id reads as words."""
    if rule.startswith(TASK_PREFIX):
        return f"Task failed: {rule.removeprefix(TASK_PREFIX)}"
    return SYSTEM_TITLES.get(rule) or registry.rule_title(rule)


def titles() -> dict[str, str]:
    """Title by rule id (and by thresholds field), for screens that take a mapping."""
    return registry.titles() | SYSTEM_TITLES
