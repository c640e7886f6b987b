"""The packaging files are consistent with the code: desktop entry, icons, systemd units,
Grafana dashboard (every metric it queries is one the exporter really serves)."""

from __future__ import annotations

import configparser
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from prometheus_client.exposition import generate_latest

from perfdesk.cli import build_parser
from perfdesk.services.collector.metrics_exporter import MetricsExporter, MetricsSnapshot

PACKAGING = Path(__file__).resolve().parents[2] / "packaging"


def _ini(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text(encoding="utf-8"))
    return parser


def test_desktop_entry_names_a_real_command_and_icon() -> None:
    entry = _ini(PACKAGING / "perfdesk.desktop")["Desktop Entry"]
    assert entry["Type"] == "Application" and entry["Icon"] == "perfdesk"
    assert entry["Exec"].split()[:2] == ["perfdesk", "gui"]
    assert (PACKAGING / "icons" / "perfdesk.svg").exists()
    for size in (16, 32, 48, 64, 128, 256, 512):
        assert (PACKAGING / "icons" / f"perfdesk-{size}.png").read_bytes()[:4] == b"\x89PNG"
    client = _ini(PACKAGING / "perfdesk.desktop")["Desktop Action Client"]["Exec"].split()
    build_parser().parse_args(client[1:])  # `perfdesk gui --client` is a valid command line


@pytest.mark.parametrize("unit", ["perfdesk-collector.service", "perfdesk-collector@.service"])
def test_systemd_units_stop_cleanly_and_do_not_retry_a_refusal(unit: str) -> None:
    service = _ini(PACKAGING / "systemd" / unit)["Service"]
    assert service["KillSignal"] == "SIGTERM"
    assert "3" in service["RestartPreventExitStatus"].split()
    command = service["ExecStart"].replace("%H-%i", "host-fx").split()
    assert command[1:3] == ["collect", "--log-format"]
    build_parser().parse_args(command[1:])


def test_systemd_unit_passes_systemd_analyze(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    text = (PACKAGING / "systemd" / "perfdesk-collector.service").read_text()
    unit = tmp_path / "perfdesk-collector.service"
    # Verify the unit's syntax with commands that exist on this machine.
    text = text.replace("/opt/perfdesk/venv/bin/perfdesk", shutil.which("true") or "/bin/true")
    unit.write_text(text.replace("EnvironmentFile=/etc/", "EnvironmentFile=-/etc/"))
    done = subprocess.run(
        [analyze, "verify", str(unit)], capture_output=True, text=True, check=False
    )
    bad = ("Unknown key", "Unknown section", "Invalid", "Failed to parse")
    problems = [line for line in done.stderr.splitlines() if any(b in line for b in bad)]
    assert not problems, done.stderr


def test_grafana_dashboard_queries_only_served_metrics() -> None:
    dashboard = json.loads((PACKAGING / "grafana-dashboard.json").read_text())
    exporter = MetricsExporter(lambda: MetricsSnapshot(alerts={("firing", "critical"): 1}))
    served = set(re.findall(r"^(perfdesk_\w+)", generate_latest(exporter.registry).decode(), re.M))
    queried = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"perfdesk_\w+", target["expr"])
    }
    assert queried and queried <= served, queried - served
    wanted = {"perfdesk_events_per_second", "perfdesk_feed_last_frame_age_seconds",
              "perfdesk_engine_reconnects_total", "perfdesk_spool_events",
              "perfdesk_dead_letters_total", "perfdesk_validation_cycle_seconds_sum",
              "perfdesk_alerts"}  # fmt: skip
    assert wanted <= queried
