"""MetricsExporter: the collector's Prometheus endpoint (prometheus-client, loopback by default).

Metrics are read at scrape time from the services' own stats objects (no second set of
counters to keep in step): the scrape runs on the exporter's HTTP thread and reads only
plain numbers and immutable tuples that the loop thread replaces atomically.

Exposed (all prefixed `perfdesk_`): events_total, frames_total, events_written_total,
events_per_second, engine_reconnects_total, dead_letters_total, feed_gaps_total,
feed_duplicates_total, feed_last_frame_age_seconds (lag at the socket),
writer_pending_events (lag before the database), spool_events, database_available,
feed_state{state}, validation_cycle_seconds (summary) and
validation_cycle_last_seconds, alerts{state,severity}, client_actions_applied_total,
alert_settings_version, silences.
See docs/collector.md and packaging/grafana-dashboard.json.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import start_http_server
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    Metric,
    SummaryMetricFamily,
)
from prometheus_client.registry import CollectorRegistry

from perfdesk.domain.status import FeedState

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MetricsSnapshot:
    """The numbers of one scrape (counters are totals since the process started)."""

    events: int = 0
    frames: int = 0
    written: int = 0
    events_per_s: float = 0.0
    reconnects: int = 0
    dead_letters: int = 0
    gaps: int = 0
    duplicates: int = 0
    last_frame_age_s: float | None = None
    pending: int = 0
    spooled: int = 0
    db_available: bool = True
    feed_state: str = FeedState.CONNECTING.value
    cycles: int = 0
    cycle_total_s: float = 0.0
    cycle_last_s: float = 0.0
    alerts: dict[tuple[str, str], int] = field(default_factory=dict)
    actions_applied: int = 0
    alert_settings_version: int = 0
    silences: int = 0


class _Families:
    """prometheus-client custom collector: builds metric families from one snapshot."""

    def __init__(self, read: Callable[[], MetricsSnapshot]) -> None:
        self._read = read

    def collect(self) -> Iterator[Metric]:
        s = self._read()
        yield from _counters(s)
        yield from _gauges(s)
        cycle = SummaryMetricFamily(
            "perfdesk_validation_cycle_seconds", "Time of one validation cycle (all strategies)"
        )
        cycle.add_metric([], s.cycles, s.cycle_total_s)
        yield cycle
        yield _labelled("perfdesk_alerts", "Alerts by state and severity", ["state", "severity"],
                        {tuple(k): float(v) for k, v in s.alerts.items()})  # fmt: skip
        states: dict[tuple[str, ...], float] = {
            (st.value,): float(st.value == s.feed_state) for st in FeedState
        }
        yield _labelled("perfdesk_feed_state", "Engine link state (1 = current)", ["state"], states)


def _counters(s: MetricsSnapshot) -> Iterator[Metric]:
    for name, doc, value in (
        ("perfdesk_events", "Data events received from the engine", s.events),
        ("perfdesk_frames", "Frames received from the engine (any type)", s.frames),
        ("perfdesk_events_written", "Events stored in the database", s.written),
        ("perfdesk_engine_reconnects", "Reconnects to the engine", s.reconnects),
        ("perfdesk_dead_letters", "Frames dead-lettered (failed validation)", s.dead_letters),
        ("perfdesk_feed_gaps", "Gaps in per-strategy seqs", s.gaps),
        ("perfdesk_feed_duplicates", "Duplicate frames dropped", s.duplicates),
        ("perfdesk_client_actions_applied", "Acks/snoozes applied for clients", s.actions_applied),
    ):
        yield CounterMetricFamily(name, doc, value=value)


def _gauges(s: MetricsSnapshot) -> Iterator[Metric]:
    age = float("nan") if s.last_frame_age_s is None else s.last_frame_age_s
    for name, doc, value in (
        ("perfdesk_events_per_second", "Events received per second (recent)", s.events_per_s),
        ("perfdesk_feed_last_frame_age_seconds", "Seconds since the last engine frame", age),
        ("perfdesk_writer_pending_events", "Events queued for the database", s.pending),
        ("perfdesk_spool_events", "Events in the disk spool (database away)", s.spooled),
        ("perfdesk_database_available", "1 if the database accepts writes", s.db_available),
        ("perfdesk_validation_cycle_last_seconds", "Last validation cycle", s.cycle_last_s),
        (
            "perfdesk_alert_settings_version",
            "Alert settings version in force (0 = defaults)",
            s.alert_settings_version,
        ),
        ("perfdesk_silences", "Silences in force", s.silences),
    ):
        yield GaugeMetricFamily(name, doc, value=float(value))


def _labelled(
    name: str, doc: str, labels: list[str], values: dict[tuple[str, ...], float]
) -> Metric:
    family = GaugeMetricFamily(name, doc, labels=labels)
    for key, value in sorted(values.items()):
        family.add_metric(list(key), value)
    return family


class MetricsExporter:
    """An HTTP endpoint serving `/metrics` from a snapshot function, on its own thread."""

    def __init__(self, read: Callable[[], MetricsSnapshot]) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(_Families(read))
        self._server: Any = None
        self.port: int | None = None

    def start(self, port: int, host: str = "127.0.0.1") -> int:
        """Listen on host:port (0 = any free port); returns the bound port."""
        server, _thread = start_http_server(port, addr=host, registry=self.registry)
        self._server = server
        self.port = int(server.server_port)
        log.info("metrics on http://%s:%d/metrics", host, self.port)
        return self.port

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
