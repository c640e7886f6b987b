"""`perfdesk report` against a real database, as a user (or the collector) runs it."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from perfdesk.bench.storage import synthetic_events
from perfdesk.services.reports.builder import ReportBuilder, ReportRequest
from perfdesk.services.reports.render import PdfSubprocess, RenderJob
from perfdesk.services.store.store import Store

START = datetime(2026, 1, 5, tzinfo=UTC)


async def _seed(store: Store) -> None:
    await store.write_events(list(synthetic_events("gamma", 40 * 48, start=START, step_s=1800.0)))


def _report(dsn: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PERFDESK_DSN": dsn, "QT_QPA_PLATFORM": "offscreen"}
    cmd = [sys.executable, "-m", "perfdesk.cli", "report", "--strategy", "gamma",
           "--from", "2026-01-05", "--to", "2026-02-14", *args]  # fmt: skip
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, check=False)


def _pdftotext(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout  # fmt: skip


def _unknown(dsn: str, out: Path) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "perfdesk.cli", "report", "--strategy", "nope", "--format",
           "html", "--out", str(out)]  # fmt: skip
    env = {**os.environ, "PERFDESK_DSN": dsn}
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, check=False)


async def test_html_and_csv_from_the_command_line(
    store: Store, db_dsn: str, tmp_path: Path
) -> None:
    await _seed(store)
    out = tmp_path / "gamma.html"
    done = await asyncio.to_thread(_report, db_dsn, "--format", "html", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(out)
    text = out.read_text()
    assert "Validation report — gamma" in text and "2026-01-05 to 2026-02-14" in text
    again = await asyncio.to_thread(_report, db_dsn, "--format", "html", "--out", str(out))
    assert again.returncode == 2 and "exists already" in again.stderr
    done = await asyncio.to_thread(_report, db_dsn, "--format", "csv", "--out", str(tmp_path / "g"))
    assert done.returncode == 0 and "g-gamma-metrics.csv" in done.stdout


async def test_bad_input_is_a_clear_error(store: Store, db_dsn: str, tmp_path: Path) -> None:
    await _seed(store)
    done = await asyncio.to_thread(
        _report, db_dsn, "--to", "2025-13-01", "--out", str(tmp_path / "x")
    )
    assert done.returncode == 2 and "is not an ISO date" in done.stderr
    done = await asyncio.to_thread(_unknown, db_dsn, tmp_path / "n.html")
    assert done.returncode == 2 and "nope" in done.stderr


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
async def test_collector_pdf_renders_in_a_child_process(store: Store, db_dsn: str,
                                                        tmp_path: Path) -> None:  # fmt: skip
    await _seed(store)
    request = ReportRequest(("gamma",), START, datetime(2026, 2, 14, tzinfo=UTC))
    report = await ReportBuilder(store).build(request)
    renderer = PdfSubprocess(db_dsn)
    job = RenderJob(report, request, tmp_path, "gamma")
    assert db_dsn not in " ".join(renderer.command(job, tmp_path / "gamma.pdf"))  # not in ps
    (pdf,) = await renderer(job)
    text = await asyncio.to_thread(_pdftotext, pdf)
    assert "Validation report — gamma" in text and "Metrics: live vs backtest" in text
