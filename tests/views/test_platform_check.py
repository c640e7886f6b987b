"""Start-up check for Qt's xcb plugin: what is missing, and the command that installs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from perfdesk.views.shell import platform_check

LDD_OUTPUT = """\
\tlinux-vdso.so.1 (0x00007ffd)
\tlibQt6XcbQpa.so.6 => /venv/PySide6/Qt/lib/libQt6XcbQpa.so.6 (0x00007f)
\tlibxcb-cursor.so.0 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxkbcommon-x11.so.0 => not found
\tlibxcb-cursor.so.0 => not found
\tlibweird.so.9 => not found
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f)
"""


def test_missing_libraries_become_one_install_command_per_distribution() -> None:
    plugin = platform_check.xcb_plugin()
    assert plugin is not None
    missing = platform_check.missing_libraries(plugin, run=lambda args: LDD_OUTPUT)
    assert missing == [
        "libweird.so.9",
        "libxcb-cursor.so.0",
        "libxcb-icccm.so.4",
        "libxkbcommon-x11.so.0",
    ]
    text = platform_check.advice(missing)
    assert "sudo apt-get install libxcb-cursor0 libxcb-icccm4 libxkbcommon-x11-0" in text
    assert "sudo dnf install xcb-util-cursor xcb-util-wm libxkbcommon-x11" in text
    assert "the package that provides libweird.so.9" in text


def test_only_the_xcb_platform_is_checked() -> None:
    assert platform_check.wants_xcb({}, "linux")
    assert platform_check.wants_xcb({"QT_QPA_PLATFORM": "xcb"}, "linux")
    assert not platform_check.wants_xcb({"QT_QPA_PLATFORM": "offscreen"}, "linux")
    assert not platform_check.wants_xcb(
        {"XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-0"}, "linux"
    )
    assert not platform_check.wants_xcb({}, "darwin")
    assert platform_check.check_xcb({"QT_QPA_PLATFORM": "offscreen"}) is None


def test_this_machine_has_what_the_plugin_needs() -> None:
    """Real ldd on the real plugin (CI installs the xcb libraries)."""
    assert platform_check.check_xcb({"QT_QPA_PLATFORM": "xcb"}) is None


def test_the_app_prints_the_fix_and_exits_before_qt_aborts(tmp_path: Path) -> None:
    """`perfdesk demo` on a system whose ldd reports a missing library: advice, exit 3,
    and no database or window started."""
    fake = tmp_path / "bin"
    fake.mkdir()
    ldd = fake / "ldd"
    ldd.write_text("#!/bin/sh\necho '\tlibxcb-cursor.so.0 => not found'\n")
    ldd.chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{fake}{os.pathsep}{os.environ.get('PATH', '')}",
        "QT_QPA_PLATFORM": "xcb",
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "perfdesk", "demo"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 3, done.stderr[-2000:]
    assert "libxcb-cursor.so.0" in done.stderr
    assert "sudo apt-get install libxcb-cursor0" in done.stderr
    assert "sudo dnf install xcb-util-cursor" in done.stderr
    assert "Could not load the Qt platform plugin" not in done.stderr
    assert not (tmp_path / "data" / "perfdesk").exists()  # nothing was started
