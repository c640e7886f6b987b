"""The test session's own homes and its cluster clean-up (tests/isolated_home.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import platformdirs
from isolated_home import remove_clusters

from perfdesk.services.host.bootstrap import default_data_dir


def test_the_session_writes_into_its_own_homes_not_the_users() -> None:
    home = Path.home()
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        assert not Path(os.environ[name]).is_relative_to(home), name
    assert not default_data_dir().is_relative_to(home)
    assert not platformdirs.user_config_path("perfdesk").is_relative_to(home)


def test_clusters_of_the_sessions_data_dirs_are_removed_and_no_other(tmp_path: Path) -> None:
    system_root, base = tmp_path / "var-lib-perfdesk", tmp_path / "session"
    ours, other = system_root / "db-ours", system_root / "db-other"
    for root in (ours, other):
        (root / "pgdata").mkdir(parents=True)
    data_dir = base / "test_x0" / "db"
    data_dir.mkdir(parents=True)
    (data_dir / "CLUSTER_LOCATION").write_text(f"{ours}\n")
    stray = base / "test_y0" / "db"  # a note pointing outside the system root: left alone
    stray.mkdir(parents=True)
    (stray / "CLUSTER_LOCATION").write_text(f"{tmp_path / 'elsewhere'}\n")
    (tmp_path / "elsewhere").mkdir()
    # a postmaster stand-in whose command line names the cluster's pgdata
    sleeper = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)", str(ours / "pgdata")]
    )
    (ours / "pgdata" / "postmaster.pid").write_text(f"{sleeper.pid}\n{ours / 'pgdata'}\n")
    try:
        assert remove_clusters(base, system_root) == [ours]
        assert sleeper.wait(timeout=10) != 0  # stopped, not left running
    finally:
        sleeper.kill()
    assert not ours.exists() and other.is_dir() and (tmp_path / "elsewhere").is_dir()
