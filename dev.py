#!/usr/bin/env python3
"""Set up perfdesk in ./.venv and run it: `python3 dev.py demo` or `python3 dev.py test`.

Only a Python 3.11+ interpreter is assumed. The first run creates the virtual
environment and installs perfdesk with its development extras; later runs reuse it
(reinstalling only when pyproject.toml changed).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".perfdesk-installed"


def _run(*cmd: str | Path, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT, env=env)


def ensure_venv() -> None:
    """Create .venv and install perfdesk[dev] unless pyproject.toml is unchanged since."""
    if sys.version_info < (3, 11):
        sys.exit(f"perfdesk needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == digest:
        return
    if not (BIN / "python").exists():
        _run(sys.executable, "-m", "venv", VENV)
    _run(BIN / "python", "-m", "pip", "install", "-q", "--upgrade", "pip")
    _run(BIN / "python", "-m", "pip", "install", "-q", "-e", ".[dev]")
    STAMP.write_text(digest)


def run_tests(extra: list[str]) -> int:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    steps: list[list[str | Path]] = [
        [BIN / "ruff", "check", "perfdesk", "tests", "benchmarks", "dev.py"],
        [BIN / "ruff", "format", "--check", "perfdesk", "tests", "benchmarks", "dev.py"],
        [BIN / "mypy"],
        [BIN / "lint-imports"],
        [BIN / "python", "-m", "pytest", "--durations=15", *extra],
    ]
    for step in steps:
        print("+", " ".join(str(c) for c in step), flush=True)
        code = subprocess.run([str(c) for c in step], cwd=ROOT, env=env, check=False).returncode
        if code != 0:
            # pytest exits 5 when it collected nothing: that is a failure here too.
            print(f"FAILED: {Path(str(step[0])).name} exited {code}", flush=True)
            return code or 1
    return 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test", "setup"}:
        print(__doc__)
        return 2
    ensure_venv()
    if argv[0] == "test":
        return run_tests(argv[1:])
    if argv[0] == "demo":
        return subprocess.run(
            [str(BIN / "perfdesk"), "demo", *argv[1:]], cwd=ROOT, check=False
        ).returncode
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
