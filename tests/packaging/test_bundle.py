"""The PyInstaller bundle builds and its window shows (opt-in: `pytest -m bundle`).

Builds packaging/perfdesk.spec, then runs the bundled `perfdesk demo` offscreen with the
embedded PostgreSQL from the bundle and checks it wrote a screenshot of its window.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.bundle
def test_bundle_builds_and_shows_its_window(tmp_path: Path) -> None:
    if importlib.util.find_spec("PyInstaller") is None:
        pytest.skip('PyInstaller is not installed: pip install -e ".[bundle]"')
    shot = tmp_path / "bundle.png"
    done = subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "build_bundle.py"), "--screenshot", str(shot)],
        cwd=ROOT, capture_output=True, text=True, timeout=1800, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert Path(result["screenshot"]) == shot and shot.stat().st_size > 20_000
