"""Before the first window: can Qt's X11 (xcb) platform plugin load on this machine?

Qt itself only says "Could not load the Qt platform plugin "xcb"" and aborts. perfdesk
asks `ldd` which shared libraries the plugin misses and prints the one command that
installs them (Debian/Ubuntu and Fedora package names), then exits cleanly.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

# library soname prefix -> (Debian/Ubuntu package, Fedora package)
PACKAGES: dict[str, tuple[str, str]] = {
    "libxcb-cursor.so": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-image.so": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so": ("libxcb-util1", "xcb-util"),
    "libxcb-shape.so": ("libxcb-shape0", "libxcb"),
    "libxcb-xkb.so": ("libxcb-xkb1", "libxcb"),
    "libxcb-randr.so": ("libxcb-randr0", "libxcb"),
    "libxcb-xinerama.so": ("libxcb-xinerama0", "libxcb"),
    "libxcb-xinput.so": ("libxcb-xinput0", "libxcb"),
    "libxcb-sync.so": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so": ("libxcb-xfixes0", "libxcb"),
    "libxcb-shm.so": ("libxcb-shm0", "libxcb"),
    "libxcb-render.so": ("libxcb-render0", "libxcb"),
    "libxcb-glx.so": ("libxcb-glx0", "libxcb"),
    "libxcb.so": ("libxcb1", "libxcb"),
    "libX11-xcb.so": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so": ("libx11-6", "libX11"),
    "libxkbcommon-x11.so": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxkbcommon.so": ("libxkbcommon0", "libxkbcommon"),
    "libEGL.so": ("libegl1", "libglvnd-egl"),
    "libGL.so": ("libgl1", "libglvnd-glx"),
    "libOpenGL.so": ("libopengl0", "libglvnd-opengl"),
    "libfontconfig.so": ("libfontconfig1", "fontconfig"),
    "libfreetype.so": ("libfreetype6", "freetype"),
    "libdbus-1.so": ("libdbus-1-3", "dbus-libs"),
    "libglib-2.0.so": ("libglib2.0-0", "glib2"),
}
_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.MULTILINE)
Runner = Callable[[list[str]], str]


def wants_xcb(env: Mapping[str, str], platform: str = sys.platform) -> bool:
    """Will Qt try the xcb plugin? On Linux unless another platform is asked for."""
    if not platform.startswith("linux"):
        return False
    requested = env.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if requested:
        return requested == "xcb"
    return env.get("XDG_SESSION_TYPE", "") != "wayland" or not env.get("WAYLAND_DISPLAY")


def xcb_plugin() -> Path | None:
    """PySide6's libqxcb.so, if this install has one."""
    import PySide6  # the package only (no Qt library is loaded by this)

    path = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    return path if path.exists() else None


def _ldd(args: list[str]) -> str:
    done = subprocess.run(args, capture_output=True, text=True, timeout=20, check=False)
    return done.stdout


def missing_libraries(plugin: Path, run: Runner = _ldd) -> list[str]:
    """The shared libraries `ldd` cannot find for `plugin` (sorted, no duplicates)."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return []
    return sorted(set(_NOT_FOUND.findall(run([ldd, str(plugin)]))))


def packages_for(libraries: list[str]) -> tuple[list[str], list[str], list[str]]:
    """(Debian packages, Fedora packages, libraries no package is known for)."""
    debian: list[str] = []
    fedora: list[str] = []
    unknown: list[str] = []
    for lib in libraries:
        match = next((v for k, v in PACKAGES.items() if lib.startswith(k)), None)
        if match is None:
            unknown.append(lib)
            continue
        for names, name in ((debian, match[0]), (fedora, match[1])):
            if name not in names:
                names.append(name)
    return debian, fedora, unknown


def advice(libraries: list[str]) -> str:
    """What to tell the user: what is missing and the one command that installs it."""
    debian, fedora, unknown = packages_for(libraries)
    lines = [
        "perfdesk cannot open its window: Qt's X11 platform plugin (xcb) needs shared "
        "libraries this system lacks:",
        "  " + ", ".join(libraries),
        "",
        "Install them with:",
    ]
    if debian:
        lines.append(f"  Debian/Ubuntu: sudo apt-get install {' '.join(debian)}")
    if fedora:
        lines.append(f"  Fedora:        sudo dnf install {' '.join(fedora)}")
    if unknown:
        lines.append(f"  (and the package that provides {', '.join(unknown)})")
    lines += [
        "",
        "Without a display, QT_QPA_PLATFORM=offscreen runs perfdesk headless (e.g. with "
        "--screenshot).",
    ]
    return "\n".join(lines)


def check_xcb(env: Mapping[str, str] | None = None, run: Runner = _ldd) -> str | None:
    """None when the window can open as far as libraries go, else the advice to print."""
    env = os.environ if env is None else env
    if not wants_xcb(env):
        return None
    plugin = xcb_plugin()
    if plugin is None:
        return None
    missing = missing_libraries(plugin, run)
    return advice(missing) if missing else None
