"""Opt-in: the Freqtrade fixture checked by freqtrade's own models.

Runs when freqtrade is importable here, or when $FREQTRADE_PYTHON names an interpreter
that has it (freqtrade is ~770 MB; it lives in its own venv:
`python3.11 -m venv /work/ftvenv && /work/ftvenv/bin/pip install freqtrade`)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent.parent
SCRIPT = ROOT / "scripts" / "fixtures" / "freqtrade_session.py"
FIXTURE = ROOT / "tests" / "fixtures" / "freqtrade" / "session.json"


def _python_with_freqtrade() -> str | None:
    if importlib.util.find_spec("freqtrade") is not None:
        return sys.executable
    return os.environ.get("FREQTRADE_PYTHON") or None


def test_fixture_validates_against_freqtrades_models() -> None:
    python = _python_with_freqtrade()
    if python is None:
        pytest.skip("freqtrade is not importable and $FREQTRADE_PYTHON is not set")
    done = subprocess.run(
        [python, str(SCRIPT), "--check", str(FIXTURE)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "checked" in done.stdout


def test_the_wallet_of_a_freqtrade_zip_is_read_where_pyarrow_is() -> None:
    """The mark-to-market wallet path, in the freqtrade venv (which has pyarrow)."""
    python = _python_with_freqtrade()
    if python is None:
        pytest.skip("freqtrade is not importable and $FREQTRADE_PYTHON is not set")
    code = (
        "from perfdesk.analytics.backtest_formats import read_backtest_file as r;"
        "x = r('freqtrade', 'tests/fixtures/backtests/backtest-result-2026-01-05_09-00-00.zip');"
        "print(x.read, x.series.returns.size)"
    )
    done = subprocess.run(
        [python, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "sum(rate × balance) (mark-to-market) 119" in done.stdout
