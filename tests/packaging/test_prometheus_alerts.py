"""packaging/prometheus-alerts.yml: valid rule groups over metrics the collector serves."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from prometheus_client.exposition import generate_latest

from perfdesk.domain.status import FeedState
from perfdesk.services.collector.metrics_exporter import MetricsExporter, MetricsSnapshot

RULES = Path(__file__).resolve().parents[2] / "packaging" / "prometheus-alerts.yml"
WANTED = {
    "PerfdeskCollectorDown",
    "PerfdeskValidatorStalled",
    "PerfdeskEngineDisconnected",
    "PerfdeskSpoolGrowing",
}
DURATION = re.compile(r"^\d+[smhd]$")


def rules() -> list[dict]:
    document = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    assert set(document) == {"groups"}
    return [rule for group in document["groups"] for rule in group["rules"]]


def served() -> set[str]:
    exporter = MetricsExporter(lambda: MetricsSnapshot(alerts={("firing", "critical"): 1}))
    text = generate_latest(exporter.registry).decode()
    return set(re.findall(r"^(perfdesk_\w+)", text, re.M))


def test_every_rule_is_complete() -> None:
    found = rules()
    assert {r["alert"] for r in found} >= WANTED
    for rule in found:
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule["alert"]
        assert rule["labels"]["severity"] in ("warning", "critical")
        assert rule["annotations"]["summary"] and rule["annotations"]["description"]
        assert "for" not in rule or DURATION.match(rule["for"])
        expr = rule["expr"]
        assert expr.count("(") == expr.count(")") and expr.count("{") == expr.count("}")


def test_every_metric_queried_is_served() -> None:
    queried = {name for r in rules() for name in re.findall(r"perfdesk_\w+", r["expr"])}
    assert queried and queried <= served(), queried - served()


def test_feed_states_named_exist() -> None:
    states = {s.value for s in FeedState}
    for rule in rules():
        for pattern in re.findall(r'state=~?"([^"]+)"', rule["expr"]):
            assert set(pattern.split("|")) <= states, pattern


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool not installed")
def test_promtool_accepts_the_rules() -> None:
    done = subprocess.run(
        ["promtool", "check", "rules", str(RULES)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def expr_of(alert: str) -> str:
    return next(r["expr"] for r in rules() if r["alert"] == alert)


C1 = 'instance="c1", job="perfdesk-collector"'
SCENARIOS = [
    # (alert, input series, eval time, expected samples: [] = quiet)
    ("PerfdeskCollectorDown", [(f"up{{{C1}}}", "1 1 0 0 0 0")], "1m", []),
    ("PerfdeskCollectorDown", [(f"up{{{C1}}}", "1 1 0 0 0 0")], "4m",
     [(f"up{{{C1}}}", 0)]),
    ("PerfdeskValidatorStalled",
     [(f"perfdesk_validation_cycle_seconds_count{{{C1}}}", "0+240x4 960x6"),
      (f"perfdesk_validation_cycle_last_seconds{{{C1}}}", "0.01x10")], "3m", []),
    ("PerfdeskValidatorStalled",
     [(f"perfdesk_validation_cycle_seconds_count{{{C1}}}", "0+240x4 960x6"),
      (f"perfdesk_validation_cycle_last_seconds{{{C1}}}", "0.01x10")], "8m",
     [(f"{{{C1}}}", 0)]),
    ("PerfdeskEngineDisconnected",
     [(f'perfdesk_feed_state{{{C1}, state="live"}}', "1 1 0 0"),
      (f'perfdesk_feed_state{{{C1}, state="disconnected"}}', "0 0 1 1")], "1m", []),
    ("PerfdeskEngineDisconnected",
     [(f'perfdesk_feed_state{{{C1}, state="live"}}', "1 1 0 0"),
      (f'perfdesk_feed_state{{{C1}, state="disconnected"}}', "0 0 1 1")], "3m",
     [(f'perfdesk_feed_state{{{C1}, state="disconnected"}}', 1)]),
    # a spool that grew once, then stays flat for 10 minutes: not growing any more
    ("PerfdeskSpoolGrowing", [(f"perfdesk_spool_events{{{C1}}}", "0 0 500x20")], "15m", []),
    ("PerfdeskSpoolGrowing", [(f"perfdesk_spool_events{{{C1}}}", "0 0 100+100x12")], "12m",
     [(f"perfdesk_spool_events{{{C1}}}", 1100)]),
]  # fmt: skip


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool not installed")
def test_each_expression_fires_on_bad_series_only(tmp_path: Path) -> None:
    tests = [
        {
            "interval": "1m",
            "input_series": [{"series": s, "values": v} for s, v in series],
            "promql_expr_test": [
                {
                    "expr": expr_of(alert),
                    "eval_time": at,
                    "exp_samples": [{"labels": lab, "value": val} for lab, val in expected],
                }
            ],
        }
        for alert, series, at, expected in SCENARIOS
    ]
    spec = tmp_path / "rules-test.yml"
    spec.write_text(yaml.safe_dump({"rule_files": [str(RULES)], "tests": tests}))
    done = subprocess.run(
        ["promtool", "test", "rules", str(spec)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
