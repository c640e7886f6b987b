"""Screenshot the Reports page (both tabs) offscreen with in-memory schedules and runs.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/report_page_screenshot.py

Writes docs/screenshots/reports-export.png and reports-schedules.png. The source is an
in-memory stand-in for the ReportScheduler (no database), so the images are reproducible.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import qasync
from PySide6.QtWidgets import QApplication

from perfdesk.services.reports.store import ReportRun, ReportSchedule
from perfdesk.views.support.style import apply_theme

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
NOW = datetime(2026, 11, 25, 7, 3, tzinfo=UTC)
NAMES = {"trend-healthy": "Trend follower", "meanrev-decay": "Mean reversion",
         "carry-break": "FX carry", "fx-carry": "FX carry G10", "vol-arb": "Vol arb"}  # fmt: skip


class MemorySource:
    """Schedules and runs as the ReportsSource protocol returns them."""

    def __init__(self) -> None:
        self.items = [
            ReportSchedule("Morning desk", "0 7 * * *", "Europe/London", "/srv/reports",
                           formats=("pdf", "html"), period="1M", id=1),
            ReportSchedule("Weekly risk pack", "30 6 * * mon", "America/New_York",
                           "/srv/reports/risk", ("trend-healthy", "carry-break"),
                           ("pdf", "csv"), "3M", id=2),
            ReportSchedule("Month-end review", "0 8 1 * *", "Europe/Zurich", "/srv/reports",
                           formats=("pdf",), period="6M", paused=True, id=3),
        ]  # fmt: skip

    async def strategies(self) -> list[str]:
        return ["trend-healthy", "meanrev-decay", "carry-break", "fx-carry", "vol-arb"]

    async def schedules(self) -> list[ReportSchedule]:
        return self.items

    async def data_end(self, _strategies: tuple[str, ...]) -> datetime | None:
        return NOW.replace(hour=0, minute=0) + timedelta(days=1)

    async def run_now(self, _schedule_id: int) -> ReportRun | None:
        return None

    async def next_run_times(self) -> dict[int, datetime | None]:
        tomorrow = NOW.replace(minute=0) + timedelta(days=1)
        return {1: tomorrow, 2: tomorrow + timedelta(days=4, hours=4, minutes=30)}

    async def runs(self) -> list[ReportRun]:
        out = []
        for i in range(6):
            at = NOW - timedelta(days=i)
            late = i == 3
            failed = i == 4
            out.append(ReportRun(
                100 - i, 1, at.replace(minute=0), at + timedelta(minutes=40 * late),
                at + timedelta(minutes=40 * late, seconds=3.4), "failed" if failed else "ok",
                late, "catch_up" if late else "schedule",
                () if failed else (f"/srv/reports/morning-desk-{at:%Y%m%d}-0700.pdf",
                                   f"/srv/reports/morning-desk-{at:%Y%m%d}-0700.html"),
                "OSError: [Errno 28] No space left on device" if failed else None,
            ))  # fmt: skip
        return out


async def _shoot(app: QApplication) -> None:
    from perfdesk.views.reports.report_view import ReportsView

    view = ReportsView(MemorySource())  # type: ignore[arg-type]
    view.resize(1280, 760)
    view.show()
    view.set_strategy_names(NAMES)
    for _ in range(20):
        await asyncio.sleep(0.02)
    view.export.strategy_list.item(2).setCheckState(view.export.strategy_list.item(0).checkState())
    view.export.folder.setText("/home/pm/reports")
    view.export.progress.setVisible(True)
    view.export.progress.setValue(620)
    view.export.message.setText("meanrev-decay: replaying the rules")
    view.grab().save(str(OUT / "reports-export.png"))
    view.tabs.setCurrentIndex(1)
    for _ in range(10):
        await asyncio.sleep(0.02)
    view.schedules.table.resizeColumnsToContents()
    view.schedules.select(1)
    view.grab().save(str(OUT / "reports-schedules.png"))


def main() -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    apply_theme(app, "dark")
    OUT.mkdir(parents=True, exist_ok=True)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(_shoot(app))  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    sys.exit(main())
