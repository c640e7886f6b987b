"""The real system-tray path: Xvfb + Debian's `trayer` (an XEmbed tray host) + Qt's xcb.

Offscreen and on a bare X server Qt reports no system tray; with trayer running under
Xvfb it does, so the AlertTray creates its QSystemTrayIcon and pops real tray
messages. The tray runs in a child process (this process's QApplication is offscreen).
Skipped cleanly when Xvfb or trayer is not installed (apt-get install xvfb trayer).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from xvfb_display import start_xvfb, stop

XVFB, TRAYER = shutil.which("Xvfb"), shutil.which("trayer")
pytestmark = pytest.mark.skipif(
    XVFB is None or TRAYER is None,
    reason="needs Debian's xvfb and trayer (apt-get install xvfb trayer) for a real tray",
)

CHILD = r"""
import json, sys, time
from datetime import UTC, datetime
from PySide6.QtWidgets import QApplication, QSystemTrayIcon
from perfdesk.domain.alerts import AlertSettings
from perfdesk.domain.status import Status
from perfdesk.domain.verdict import RuleResult, Verdict
from perfdesk.services.alerts.manager import AlertManager
from perfdesk.views.shell.tray import AlertTray, ManagerFeed, TrayNotifier
from perfdesk.views.support.style import apply_theme

app = QApplication(sys.argv[:1])
apply_theme(app, "dark")
deadline = time.monotonic() + 15
while not QSystemTrayIcon.isSystemTrayAvailable() and time.monotonic() < deadline:
    app.processEvents()
    time.sleep(0.1)
manager = AlertManager(AlertSettings(for_critical_s=0))
tray = AlertTray(ManagerFeed(lambda: manager))
result = {"available": QSystemTrayIcon.isSystemTrayAvailable()}
result["tray_notifier"] = isinstance(tray.notifier, TrayNotifier)
rule = RuleResult(rule="drawdown", status=Status.CRITICAL, message="drawdown 2.5x expected")
manager.process([Verdict(strategy_id="carry", ts=datetime.now(UTC), rules=(rule,))])
tray.poll()
for _ in range(20):
    app.processEvents()
    time.sleep(0.05)
result["shown"] = [p.title for p in tray.notifier.shown]
result["visible"] = bool(tray.icon and tray.icon.isVisible())
geometry = tray.icon.geometry() if tray.icon else None
result["embedded"] = bool(geometry and geometry.width() > 0)
result["tooltip"] = tray.icon.toolTip() if tray.icon else ""
result["colour"] = tray.color.name()
result["menu"] = [a.text() for a in tray.menu.actions()] if tray.icon else []
if tray.icon:
    tray.mute_action.trigger()
result["menu_after_mute"] = tray.mute_action.text() if tray.icon else ""
print(json.dumps(result))
"""


@pytest.fixture
def tray_display(tmp_path: Path) -> Iterator[dict[str, str]]:
    xvfb, display = start_xvfb(tmp_path / "xvfb.log")
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
    host = subprocess.Popen(
        [str(TRAYER), "--edge", "top", "--align", "right", "--widthtype", "request"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield env
    finally:
        stop(host, xvfb)


def test_real_tray_icon_pops_a_message_and_mutes(tray_display: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHILD],
        env=tray_display,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["available"] and result["tray_notifier"], result
    assert result["shown"] == ["perfdesk CRITICAL: carry"]
    assert result["visible"] and result["embedded"], result
    assert "1 alert(s) need attention" in result["tooltip"]
    assert result["menu"] == ["Open perfdesk", "Mute popups for 1 hour"]
    assert result["menu_after_mute"] == "Unmute popups"
