"""A trader's session on a real X server: the app's window on a real backend (the demo
simulator into PostgreSQL), driven by real pointer clicks (xdotool) and QTest events on
the live widgets under Qt's xcb platform (desk_driver.py, in a child process: this
process's Qt is offscreen). It fails on a crash and asserts what the user sees: the page
each card and sidebar entry opens, the order after each header click, the clipboard and
the CSV written, which alert an Acknowledge acted on while the banner changed, that a
detection preset picked from its list reaches the live validator and survives a restart,
and that quitting asks while alerts are active.

Skipped only when Xvfb is missing (CI installs it: .ci/run). Runtime about a minute.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from xvfb_display import XVFB, xvfb

pytestmark = pytest.mark.skipif(
    XVFB is None, reason="needs Debian's xvfb (apt-get install xvfb) for a real X server"
)
DRIVER = Path(__file__).with_name("desk_driver.py")


@pytest.fixture
def session(db_dsn: str, tmp_path: Path) -> dict:
    with xvfb(tmp_path / "xvfb.log", "1440x900x24") as display:
        env = {
            **os.environ,
            "DISPLAY": display,
            "QT_QPA_PLATFORM": "xcb",
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "XDG_DATA_HOME": str(tmp_path / "data"),
        }
        results = {}
        for phase in ("first", "restart"):  # the same settings and database both times
            out = tmp_path / f"{phase}.json"
            command = [sys.executable, "-X", "faulthandler", str(DRIVER)]
            command += ["--dsn", db_dsn, "--out", str(out)]
            done = subprocess.run(
                [*command, *(["--restart"] if phase == "restart" else [])],
                env=env,
                capture_output=True,
                text=True,
                timeout=240,
                check=False,
            )
            code = done.returncode
            assert code == 0, (
                f"the app died in its {phase} run (exit {code}):\n{done.stderr[-6000:]}"
            )
            results.update(json.loads(out.read_text()))
    return results


def test_a_trader_clicks_through_the_desk(session: dict) -> None:
    failed = {k: v["error"] for k, v in session.items() if not v["ok"]}
    assert not failed, failed

    cards = session["cards"]  # every card opened its own page, no crash
    each = sorted(set(cards["opened"]))
    assert len(each) >= 6 and cards["opened"] == each * cards["passes"]

    sidebar = session["sidebar"]
    order = ["dashboard", "verification", "alerts", "history", "reports", "thresholds"]
    assert sidebar["order"] == [*order, "setup", "settings"]
    assert sidebar["shown"] == sidebar["order"]  # each click showed its page

    sorting = session["sorting"]
    for table in ("verification", "rule evidence", "alerts"):
        assert sorting[table]["problems"] == [], (table, sorting[table])
    assert sorting["verification"]["columns"] >= 15

    copied = session["copy_export"]
    assert copied["copied"].split("\t")[0] == copied["first_row_name"]
    assert copied["menu"] == ["Copy", "Copy all rows", "Export CSV…"]
    assert copied["csv_header"].startswith("Strategy,Verdict,")
    assert copied["csv_rows"] == copied["table_rows"] >= 6

    banner = session["banner"]
    first = banner["fingerprints"][0]
    assert banner["pressed_on"] == first
    assert banner["first_acked"] and not banner["second_acked"]  # what was read, not the new
    assert banner["ignored_presses"] == 1 and not banner["third_acked_by_the_early_click"]
    assert banner["third_acked_later"]

    picked = session["preset"]  # a detection preset, picked from its list by clicks
    assert picked["before"] == "Balanced: catch crashes (defaults)"
    assert picked["picked"] == "Catch decays sooner" and picked["cusum_text"] == "0.0548"
    assert picked["saved_sharpe_p"] == 0.0181 == picked["validator_sharpe_p"]

    quitting = session["quit"]
    assert quitting["stayed_after_cancel"] and quitting["closed_after_quit"]
    assert len(quitting["asked"]) == 2 and "active. Quit anyway?" in quitting["asked"][0]

    again = session["restart"]  # quit, then start again on what was stored
    assert again["page"] == "history"  # the screen it was closed on
    acked = again["acked_by"]
    assert (
        acked[first] and acked[banner["fingerprints"][2]] and not acked[banner["fingerprints"][1]]
    )
    assert again["banner_shows"] not in (first, banner["fingerprints"][2])  # acks kept
    kept = session["kept"]  # the strategy's saved preset, after the restart
    assert kept["scope"] == picked["scope"] and kept["shows"] == "Catch decays sooner"
    assert kept["versions"] == 1
    print({k: v["seconds"] for k, v in session.items()})
