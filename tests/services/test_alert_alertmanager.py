"""The Alertmanager channel against a loopback server that checks every body against
Alertmanager's v2 OpenAPI schema (postableAlerts): firing, re-sends, escalation, resolve."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from perfdesk.domain.status import Status
from perfdesk.services.alerts.channels import AlertmanagerChannel, ChannelDispatcher, Delivery
from perfdesk.services.alerts.channels.alertmanager import alerts_url
from perfdesk.services.alerts.manager import AlertManager
from tests.services.channel_servers import (
    AlertmanagerTarget,
    manager,
    postable_alerts_errors,
    verdict,
)

T0 = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


@pytest.fixture
def am() -> Iterator[AlertmanagerTarget]:
    server = AlertmanagerTarget()
    yield server
    server.close()


def at(m: AlertManager, sid: str, status: Status, t: float) -> None:
    m.process([verdict(sid, status, T0, value=0.02 if status is Status.OK else 0.124)],
              T0 + timedelta(seconds=t))  # fmt: skip


def parse(ts: object) -> datetime:
    assert isinstance(ts, str) and ts.endswith("Z")
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


def test_the_schema_check_itself_refuses_bad_bodies() -> None:
    assert postable_alerts_errors([{"labels": {"a": "b"}}]) == []
    assert postable_alerts_errors({"labels": {}}) == ["body: must be an array of postableAlert"]
    bad = [{"labels": {"bad-name": 1}, "startsAt": "yesterday", "extra": 1}]
    errors = postable_alerts_errors(bad)
    assert any("invalid label name" in e for e in errors)
    assert any("must be a string" in e for e in errors)
    assert any("date-time" in e for e in errors)
    assert any("unknown property" in e for e in errors)
    assert postable_alerts_errors([{"annotations": {}}]) == ["[0].labels: required"]
    ends_first = [{"labels": {"a": "b"}, "startsAt": "2026-01-02T00:00:00Z",
                   "endsAt": "2026-01-01T00:00:00Z"}]  # fmt: skip
    assert postable_alerts_errors(ends_first) == ["[0]: endsAt before startsAt"]


def test_the_api_path_is_added_once() -> None:
    assert alerts_url("http://am:9093") == "http://am:9093/api/v2/alerts"
    assert alerts_url("http://am:9093/api/v2/alerts") == "http://am:9093/api/v2/alerts"
    assert alerts_url("https://x/prefix/") == "https://x/prefix/api/v2/alerts"
    with pytest.raises(ValueError, match="Alertmanager URL"):
        alerts_url("am:9093")


async def test_firing_then_resolved_with_labels_annotations_and_times(
    am: AlertmanagerTarget,
) -> None:
    m = manager()
    channel = AlertmanagerChannel(
        am.url(""), desk="desk-eu", generator_url="https://grafana.example/d/perfdesk"
    )
    done: list[Delivery] = []

    async def record(d: Delivery) -> None:
        done.append(d)

    dispatcher = ChannelDispatcher([channel], on_delivery=record)
    dispatcher.start(m)
    at(m, "s1", Status.CRITICAL, 0)
    at(m, "s1", Status.OK, 30)
    await dispatcher.flush()
    assert am.invalid == [] and all(d.ok for d in done)
    firing, resolved = am.alerts()
    assert firing["labels"] == {
        "alertname": "perfdesk_drawdown", "strategy": "s1", "rule": "drawdown",
        "severity": "critical", "desk": "desk-eu",
    }  # fmt: skip
    assert resolved["labels"] == firing["labels"]  # the same Alertmanager alert
    notes = firing["annotations"]
    assert notes["summary"] == "CRITICAL s1 · Drawdown: 12.40% vs limit 10.00% — max drawdown 12.4%"
    assert (notes["value"], notes["limit"]) == ("0.124", "0.1")
    assert notes["evidence"] == '{"peak": 1250000.0, "trough": 1100000.0}'
    assert "Since: 2026-01-05 09:30:00 UTC" in notes["description"]
    assert firing["generatorURL"] == "https://grafana.example/d/perfdesk"
    assert parse(firing["startsAt"]) == T0
    assert parse(firing["endsAt"]) > datetime.now(UTC) + timedelta(seconds=200)  # 4 × 60 s
    assert parse(resolved["startsAt"]) == T0
    assert parse(resolved["endsAt"]) == T0 + timedelta(seconds=30)
    await dispatcher.aclose()


async def test_firing_alerts_are_resent_while_firing_only(am: AlertmanagerTarget) -> None:
    m = manager()
    dispatcher = ChannelDispatcher([AlertmanagerChannel(am.url(""), resend_every_s=0.2)])
    dispatcher.start(m)
    at(m, "s1", Status.WARNING, 0)
    await asyncio.to_thread(am.wait_for, 4)  # the first post, then re-sends every 0.2 s
    assert {a["labels"]["strategy"] for a in am.alerts()} == {"s1"}
    at(m, "s1", Status.OK, 1)
    await dispatcher.flush()
    settled = len(am.requests)
    await asyncio.sleep(0.6)  # three re-send periods: nothing more once resolved
    assert len(am.requests) == settled
    assert parse(am.alerts()[-1]["endsAt"]) == T0 + timedelta(seconds=1)
    assert am.invalid == []
    await dispatcher.aclose()


async def test_escalation_resolves_the_old_severity_label_set(am: AlertmanagerTarget) -> None:
    m = manager()
    dispatcher = ChannelDispatcher([AlertmanagerChannel(am.url(""))])
    dispatcher.start(m)
    at(m, "s1", Status.WARNING, 0)
    at(m, "s1", Status.CRITICAL, 5)
    await dispatcher.flush()
    escalation = am.requests[1].json()
    assert isinstance(escalation, list)
    old, new = escalation
    assert (old["labels"]["severity"], new["labels"]["severity"]) == ("warning", "critical")
    assert parse(old["endsAt"]) <= datetime.now(UTC) < parse(new["endsAt"])
    assert am.invalid == []
    await dispatcher.aclose()


async def test_a_refused_body_is_a_failed_delivery_with_the_reason(
    am: AlertmanagerTarget,
) -> None:
    m = manager()
    channel = AlertmanagerChannel(am.url("/wrong-prefix"))
    dispatcher = ChannelDispatcher([channel], retries=0)
    dispatcher.start(m)
    at(m, "s1", Status.CRITICAL, 0)
    await dispatcher.flush()
    stats = dispatcher.stats[channel.name]
    assert stats.failed == 1 and stats.last_error == "HTTP 404: not found"
    await dispatcher.aclose()
