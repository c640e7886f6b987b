"""The rule registry is the one list of rules: the validator, the false-discovery control
and the views all read it, and each entry's declarations match what its rule reports."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from profiled_strategy import profiled_strategy

from perfdesk.analytics.rules import registry
from perfdesk.analytics.streaming import EquityStats
from perfdesk.analytics.validator import Item, validate, validate_many
from perfdesk.domain.expectations import Expectations
from perfdesk.domain.status import Status
from perfdesk.domain.thresholds import Thresholds

DAY = 86_400.0
T0 = 20_000 * DAY + 72_000.0


@pytest.fixture(scope="module")
def profiled() -> tuple[EquityStats, Expectations]:
    """A strategy with a calibrated backtest profile, 80 live days and fills."""
    return profiled_strategy()


def test_every_rule_reads_a_thresholds_field_and_ids_are_unique() -> None:
    ids = registry.rule_ids()
    assert len(set(ids)) == len(ids) == len(registry.RULES)
    for spec in registry.RULES:
        assert spec.thresholds in Thresholds.model_fields, spec.id
        assert registry.threshold_model(spec.id) is not None
        assert spec.title and spec.explanation.endswith(("?", ".", ")"))


def test_validator_runs_the_registry_in_order_and_rules_report_what_they_declare(
    profiled: tuple[EquityStats, Expectations],
) -> None:
    stats, exp = profiled
    now = datetime.fromtimestamp(stats.last_ts + 1, UTC)
    verdict = validate("s", stats, exp, Thresholds(), now)
    assert tuple(r.rule for r in verdict.rules) == registry.rule_ids()
    decay = verdict.rule("sharpe_decay")
    assert decay is not None and decay.evidence["standardised"] is True  # by the GARCH fit
    for result in verdict.rules:
        if result.status is Status.INSUFFICIENT_DATA:
            continue
        spec = registry.spec(result.rule)
        assert spec is not None
        missing = {s.key for s in spec.statistics} - set(result.evidence)
        assert not missing, f"{result.rule} does not report {missing}"
        assert ("p_value" in result.evidence) or not spec.p_value


def test_titles_explanations_and_old_aliases() -> None:
    assert registry.rule_title("drawdown") == "Drawdown"
    assert registry.rule_title("stale_feed") == registry.rule_title("stale")
    assert registry.rule_title("no_such_rule") == "No such rule"
    assert registry.rule_explanation("no_such_rule") == ""
    titles = registry.titles()
    for spec in registry.RULES:
        assert titles[spec.id] == spec.title
        readers = [s for s in registry.RULES if s.thresholds == spec.thresholds]
        assert titles[spec.thresholds] in {s.title for s in readers}
        assert registry.rule_explanation(spec.id) == spec.explanation


def test_false_discovery_control_covers_exactly_the_p_value_rules() -> None:
    assert registry.p_value_rules() == {s.id for s in registry.RULES if s.p_value}
    assert "drawdown" not in registry.p_value_rules()


def test_validate_many_takes_each_strategys_own_clock() -> None:
    stats = EquityStats()
    stats.update(T0, 100.0)
    stats.update(T0 + 1, 101.0)
    th = Thresholds(stale_after_s=10)
    late = datetime.fromtimestamp(T0 + 60, UTC)
    on_time = datetime.fromtimestamp(T0 + 2, UTC)
    exp = Expectations(max_drawdown=0.1, periods_per_year=365)
    fresh, stale = validate_many([Item("a", stats, exp, th, on_time), ("b", stats, exp, th)], late)
    assert fresh.ts == on_time and fresh.rule("stale").status is Status.OK
    assert stale.ts == late and stale.rule("stale").status is Status.WARNING
