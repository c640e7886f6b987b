"""The collector's Prometheus endpoint (real HTTP on loopback) and its JSON log lines."""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.request

from collector_helpers import simulator, wait_for
from prometheus_client.parser import text_string_to_metric_families

from perfdesk.domain.alerts import AlertState
from perfdesk.services.collector.log import JsonFormatter
from perfdesk.services.collector.metrics_exporter import MetricsExporter, MetricsSnapshot
from perfdesk.services.collector.service import Collector, CollectorConfig
from perfdesk.services.store.config_store import AlertSettingsStore
from perfdesk.services.store.store import Store


def _scrape(port: int) -> dict[str, float]:
    """name{labels} -> value, from a real HTTP scrape."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        text = response.read().decode()
    values = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            values[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return values


async def test_collector_serves_its_metrics_on_loopback(db_dsn: str) -> None:
    store = await Store.open(db_dsn)
    await AlertSettingsStore(store.pool).save({"keep_firing_s": 30}, "ops")
    await store.close()
    async with simulator() as (_sim, url):
        config = CollectorConfig(dsn=db_dsn, engine_url=url, heartbeat_s=0.2, metrics_port=0)
        collector = await Collector.start(config)
        try:
            runtime = collector.runtime
            await wait_for(lambda: runtime.writer.stats.written > 50, "events stored")
            await wait_for(
                lambda: any(a.state is AlertState.FIRING for a in runtime.alerts.published),
                "a firing alert",
            )
            await wait_for(lambda: collector.events_per_s > 0, "an event rate")
            assert collector.exporter is not None and collector.exporter.port
            m = await asyncio.to_thread(_scrape, collector.exporter.port)
        finally:
            await collector.stop()
    assert m["perfdesk_events_total"] > 50
    assert m["perfdesk_events_written_total"] > 0
    assert m["perfdesk_events_per_second"] > 0
    assert m["perfdesk_engine_reconnects_total"] == 0
    assert m["perfdesk_dead_letters_total"] == 0
    assert m["perfdesk_database_available"] == 1
    assert m["perfdesk_spool_events"] == 0
    assert m["perfdesk_feed_state{state=live}"] == 1
    assert m["perfdesk_validation_cycle_seconds_count"] > 0
    assert 0 <= m["perfdesk_feed_last_frame_age_seconds"] < 60
    assert m["perfdesk_alerts{severity=critical,state=firing}"] >= 1
    assert "perfdesk_writer_pending_events" in m
    assert m["perfdesk_alert_settings_version"] == 1
    assert m["perfdesk_silences"] == 0


def test_exporter_listens_on_loopback_only_by_default() -> None:
    exporter = MetricsExporter(lambda: MetricsSnapshot(events=7, last_frame_age_s=None))
    port = exporter.start(0)
    try:
        assert exporter._server.server_address[0] == "127.0.0.1"
        m = _scrape(port)
    finally:
        exporter.stop()
    assert m["perfdesk_events_total"] == 7
    assert m["perfdesk_feed_state{state=connecting}"] == 1
    assert m["perfdesk_feed_last_frame_age_seconds"] != m["perfdesk_feed_last_frame_age_seconds"]


def test_log_lines_are_json_objects_with_extra_fields() -> None:
    record = logging.makeLogRecord(
        {"name": "perfdesk.x", "levelno": logging.INFO, "levelname": "INFO",
         "msg": "started %s", "args": ("ok",), "collector_id": "c1"}
    )  # fmt: skip
    line = json.loads(JsonFormatter().format(record))
    assert line["msg"] == "started ok" and line["level"] == "info"
    assert line["collector_id"] == "c1" and line["logger"] == "perfdesk.x"
    assert line["ts"].endswith("+00:00")
