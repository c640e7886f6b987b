"""Opt-in: the Nautilus fixture's payloads deserialize with nautilus_trader's own
serializer. Runs when $NAUTILUS_PYTHON names a Python ≥ 3.12 with nautilus_trader
(`python3.12 -m venv /work/ntvenv && /work/ntvenv/bin/pip install nautilus_trader`)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent.parent
SCRIPT = ROOT / "scripts" / "fixtures" / "nautilus_events.py"
FIXTURE = ROOT / "tests" / "fixtures" / "nautilus" / "bus.json"


def test_fixture_deserializes_with_nautilus() -> None:
    python = os.environ.get("NAUTILUS_PYTHON")
    if not python:
        pytest.skip("$NAUTILUS_PYTHON is not set (nautilus_trader needs Python >= 3.12)")
    done = subprocess.run(
        [python, str(SCRIPT), "--check", str(FIXTURE)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "checked 54 entries" in done.stdout
