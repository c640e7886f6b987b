"""A test session touches nothing of the user's: its own XDG data/config/state homes, and
no database cluster left behind.

perfdesk keeps its data (embedded database, spool, demo state) and its Qt settings in
the XDG homes; a test that starts the app or the demo without naming a data dir would
otherwise write into the developer's own ~/.local/share/perfdesk and ~/.config. As root,
a cluster whose data dir the database user cannot reach (pytest's 0700 temp dirs) lives
under /var/lib/perfdesk, with a CLUSTER_LOCATION note in the data dir; deleting the
temp dir leaves the cluster (≈65 MB each) behind. The cache home is kept: it holds
downloads worth keeping between sessions (matplotlib's font cache, pglite)."""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

from perfdesk.services.store.embedded_db import SYSTEM_ROOT

HOMES = ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME")


def isolate_home(base: Path) -> dict[str, str | None]:
    """Point the XDG homes into `base`; returns the previous values."""
    before = {name: os.environ.get(name) for name in HOMES}
    for name in HOMES:
        home = base / name.removeprefix("XDG_").removesuffix("_HOME").lower()
        home.mkdir(parents=True, exist_ok=True)
        os.environ[name] = str(home)
    return before


def restore_home(before: dict[str, str | None]) -> None:
    for name, value in before.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def remove_clusters(base: Path, system_root: Path = SYSTEM_ROOT) -> list[Path]:
    """Stop and delete every cluster under `system_root` that a data dir below `base`
    points to (CLUSTER_LOCATION); returns those removed. Other clusters are not touched."""
    removed = []
    for note in base.rglob("CLUSTER_LOCATION"):
        root = Path(note.read_text(encoding="utf-8").strip())
        if root.parent != system_root or not root.is_dir():
            continue
        _kill_postmaster(root / "pgdata")
        shutil.rmtree(root, ignore_errors=True)
        removed.append(root)
    return removed


def _kill_postmaster(pgdata: Path) -> None:
    """SIGQUIT (immediate shutdown) a postmaster a crashed test left running."""
    try:
        pid = int((pgdata / "postmaster.pid").read_text().split()[0])
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError, IndexError):
        return
    if str(pgdata).encode() in cmdline:
        os.kill(pid, signal.SIGQUIT)
