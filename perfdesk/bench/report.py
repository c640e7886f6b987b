"""`perfdesk bench report`: from a schedule firing to a finished 6-month PDF + HTML.

Setup (not timed): a temporary database with one strategy's 6 months of samples
(1-minute; quick: 5-minute) loaded by the history bench's bulk loader, rollups built,
expectations from a simulated backtest, and a daily report schedule.
Timed: `ReportScheduler.fire` for that schedule's occurrence — run claimed, history read
from the rollups, analysis, rule replay, alerts/audit read, HTML + PDF written, run
recorded — in-process with the Qt PDF renderer (the desktop app), and again with the
PDF rendered by a `perfdesk report` child process (the headless collector).
Target ≤ 10 s; the brief allows 300 s (`limit_ratio` = 300 / schedule_to_done_s).
Baseline in the same run: the History page's load + analysis of the same 6 months
(`analysis_only_s`); `report_over_analysis_ratio` is what the report adds on top of it.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from perfdesk.bench import _history_data as data
from perfdesk.bench._harness import temporary_database

SID = "trend-6m"
BRIEF_LIMIT_S = 300.0


def run(quick: bool) -> dict[str, Any]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication([])
    try:
        return asyncio.run(_run(300.0 if quick else 60.0))
    finally:
        del app


async def _load(dsn: str, step_s: float) -> int:
    start = data.months_ago(6)
    conn = await asyncpg.connect(dsn)
    try:
        await data.prepare_schema(conn)
        n = int(6 * 30.44 * 86_400 / step_s)
        rows = await data.load_strategy(conn, SID, start, n=n, step_s=step_s,
                                        spec=data.PathSpec(decay_at=0.7), seed=3)  # fmt: skip
        await data.build_rollups(conn)
    finally:
        await conn.close()
    return rows


async def _register(store: Any) -> None:
    from perfdesk.analytics.profile import expectations_from_backtest
    from perfdesk.domain.events import StrategyInfo
    from perfdesk.domain.status import StrategyState

    bt = data.backtest_returns(756, data.PathSpec(), 7, 365)
    exp = await asyncio.to_thread(expectations_from_backtest, bt, periods_per_year=365,
                                  trades_per_day=288.0, slippage_bps=0.5)  # fmt: skip
    info = StrategyInfo(
        strategy_id=SID, name="Trend 6M", status=StrategyState.ACTIVE, expectations=exp
    )
    await store.upsert_strategy(info)


async def _fire(store: Any, renderers: dict[str, Any], out: Path, name: str) -> dict[str, Any]:
    from perfdesk.services.reports.builder import ReportBuilder
    from perfdesk.services.reports.scheduler import ReportScheduler
    from perfdesk.services.reports.store import ReportSchedule, ReportStore

    reports = ReportStore(store.pool)
    schedule = await reports.create(ReportSchedule(
        name=name, cron="0 7 * * *", timezone="UTC",
        out_dir=str(out), strategies=(SID,), formats=("pdf", "html"), period="6M",
    ))  # fmt: skip
    today = datetime.now(UTC).replace(hour=7, minute=0, second=0, microsecond=0)
    due = today + timedelta(days=1)
    scheduler = ReportScheduler(reports, ReportBuilder(store), renderers, clock=lambda: due)
    t0 = time.perf_counter()
    result = await scheduler.fire(schedule, due)
    elapsed = time.perf_counter() - t0
    if result is None or result.status != "ok":
        raise RuntimeError(f"the benchmark report run failed: {result}")
    sizes = {Path(f).suffix[1:]: await asyncio.to_thread(os.path.getsize, f) for f in result.files}
    return {"seconds": elapsed, "bytes": sizes}


async def _analysis_only(store: Any) -> float:
    """Baseline in the same run: the History page's load + analysis of the same 6 months."""
    from perfdesk.services.history.service import HistoryRequest, HistoryService

    t0 = time.perf_counter()
    await HistoryService(store).analyze(HistoryRequest(SID, preset="6M"))
    return time.perf_counter() - t0


async def _run(step_s: float) -> dict[str, Any]:
    from perfdesk.services.alerts import store as alert_store
    from perfdesk.services.reports.render import PdfSubprocess, html_renderer
    from perfdesk.services.store.store import Store
    from perfdesk.views.reports.report_pdf import pdf_renderer

    async with temporary_database("perfdesk_bench_report") as dsn:
        t0 = time.perf_counter()
        rows = await _load(dsn, step_s)
        store = await Store.open(dsn)
        try:
            await alert_store.ensure_schema(store.pool)
            await _register(store)
            setup_s = time.perf_counter() - t0
            with tempfile.TemporaryDirectory(prefix="perfdesk-bench-report-") as tmp:
                out = Path(tmp)
                baseline_s = await _analysis_only(store)
                gui = await _fire(store, {"pdf": pdf_renderer, "html": html_renderer}, out, "app")
                headless = await _fire(store, {"pdf": PdfSubprocess(dsn), "html": html_renderer},
                                       out, "collector")  # fmt: skip
        finally:
            await store.close()
    return {
        "rows": rows, "sample_step_s": step_s, "setup_s": round(setup_s, 2),
        "schedule_to_done_s": round(gui["seconds"], 3),
        "schedule_to_done_subprocess_pdf_s": round(headless["seconds"], 3),
        "analysis_only_s": round(baseline_s, 3),
        "report_over_analysis_ratio": round(gui["seconds"] / baseline_s, 2),
        "pdf_bytes": gui["bytes"].get("pdf"), "html_bytes": gui["bytes"].get("html"),
        "target_s": 10.0, "brief_limit_s": BRIEF_LIMIT_S,
        "limit_ratio": round(BRIEF_LIMIT_S / gui["seconds"], 1),
        "load_avg_1m": os.getloadavg()[0],
    }  # fmt: skip
