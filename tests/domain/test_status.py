from perfdesk.domain.status import Status
from perfdesk.domain.verdict import RuleResult, Verdict


def test_order_of_severity() -> None:
    order = [Status.INSUFFICIENT_DATA, Status.OK, Status.WARNING, Status.CRITICAL]
    assert sorted(reversed(order), key=lambda s: s.severity) == order


def test_rules_still_gathering_data_do_not_hide_an_ok_strategy() -> None:
    assert Status.worst([Status.INSUFFICIENT_DATA, Status.OK]) is Status.OK


def test_no_data_only_when_no_rule_can_judge() -> None:
    assert Status.worst([Status.INSUFFICIENT_DATA]) is Status.INSUFFICIENT_DATA
    assert Status.worst([]) is Status.INSUFFICIENT_DATA


def test_verdict_status_is_its_worst_rule() -> None:
    rules = tuple(
        RuleResult(rule=name, status=status, message="")
        for name, status in [("a", Status.OK), ("b", Status.CRITICAL), ("c", Status.WARNING)]
    )
    verdict = Verdict(strategy_id="s", ts="2026-01-01T00:00:00Z", rules=rules)
    assert verdict.status is Status.CRITICAL
    assert verdict.rule("c") is rules[2]
    assert verdict.rule("missing") is None
