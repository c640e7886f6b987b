"""The workflow suite's child process: the app's own window (perfdesk.app.build_window) on
a real backend (the demo simulator into the test's PostgreSQL), on a real X server, driven
as a person does: xdotool moves the real pointer and clicks, QTest sends mouse and key
events to the live widgets through Qt's xcb platform.

    DISPLAY=:N QT_QPA_PLATFORM=xcb python desk_driver.py --dsn DSN --out result.json

Each scenario records what the user saw; a failed expectation is recorded with its message
and the next scenario still runs. A crash ends the process with a signal (faulthandler
prints the stack), which the parent test reports.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import faulthandler
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import qasync
from PySide6.QtCore import QPoint, QSettings, Qt, QTimer
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox, QWidget

from perfdesk.app import add_backend_pages, build_window
from perfdesk.demo_desk import start_demo_engine
from perfdesk.domain.status import Status
from perfdesk.domain.verdict import RuleResult, Verdict
from perfdesk.services.host.backend_host import BackendHost
from perfdesk.views.components.data_table import SORT_ROLE, DataTable, sort_rank
from perfdesk.views.shell import window_state
from perfdesk.views.shell.alert_controller import AlertController
from perfdesk.views.shell.main_window import MainWindow
from perfdesk.views.support.style import apply_theme

XDOTOOL = shutil.which("xdotool")
LEFT = Qt.MouseButton.LeftButton
PASSES = 3
"""Each card is clicked this many times: the crash it guards against came 1 click in 2."""


class Desk:
    """The live window and its backend, with the few moves the scenarios share."""

    def __init__(self, window: MainWindow, ui: AlertController, host: BackendHost) -> None:
        self.window, self.ui, self.host = window, ui, host

    async def until(self, condition: Callable[[], bool], what: str, limit_s: float = 30) -> None:
        deadline = time.monotonic() + limit_s
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {limit_s} s waiting for {what}")
            await asyncio.sleep(0.05)

    async def click(self, widget: QWidget, pos: QPoint | None = None) -> str:
        """A real pointer click (xdotool: X moves the pointer, the server sends the events)
        where available, else QTest's click on the live widget."""
        pos = pos if pos is not None else widget.rect().center()
        if XDOTOOL is None:
            QTest.mouseClick(widget, LEFT, pos=pos)
            return "qtest"
        where = widget.mapToGlobal(pos)
        proc = await asyncio.create_subprocess_exec(
            XDOTOOL, "mousemove", str(where.x()), str(where.y()), "click", "1"
        )
        await proc.wait()
        return "xdotool"

    async def right_click(self, widget: QWidget, pos: QPoint) -> str:
        """A real right-click (the X server's button 3: Qt makes the context-menu event);
        without xdotool, the context-menu event Qt would make."""
        if XDOTOOL is None:
            event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, widget.mapToGlobal(pos))
            QApplication.sendEvent(widget, event)
            return "event"
        where = widget.mapToGlobal(pos)
        proc = await asyncio.create_subprocess_exec(
            XDOTOOL, "mousemove", str(where.x()), str(where.y()), "click", "3"
        )
        await proc.wait()
        return "xdotool"

    async def nav(self, key: str) -> None:
        await self.click(self.window.navigation.buttons[key])
        await self.until(lambda: self.window.current_page() == key, f"the {key} page")

    def alert(self, fingerprint: str) -> Any:
        backend = self.host.backend
        alerts = backend.runtime.published.alerts if backend else ()
        return next((a for a in alerts if a.fingerprint == fingerprint), None)

    def inject(self, strategy_id: str, message: str) -> str:
        """A critical breach for a strategy of its own, through the real AlertManager."""
        backend = self.host.backend
        assert backend is not None
        result = RuleResult(rule="workflow", status=Status.CRITICAL, message=message)
        verdict = Verdict(strategy_id=strategy_id, ts=datetime.now(UTC), rules=(result,))
        self.host.call(backend.runtime.alerts.process, [verdict])
        return f"{strategy_id}/workflow"


async def cards(desk: Desk) -> dict[str, Any]:
    """Click every card (pointer moved onto it and clicked at once: the crash of issue 17)."""
    window = desk.window
    await desk.until(lambda: len(window.dashboard.cards) >= 6, "six cards", 60)
    opened, via = [], set()
    for n, sid in enumerate(sorted(window.dashboard.cards) * PASSES):
        await desk.nav("dashboard")
        card = window.dashboard.cards[sid]
        window.dashboard.ensureWidgetVisible(card)
        await desk.until(card.isVisible, f"card {sid}")
        await asyncio.sleep(0.1)  # the scroll has been painted
        spot = QPoint(card.width() // 2, card.height() // 3)
        if n % 2:  # the pointer arrives and clicks in the same instant: no hover frame yet
            QTest.mouseMove(card, spot)
            QTest.mouseClick(card, LEFT, pos=spot)
            via.add("qtest")
        else:
            via.add(await desk.click(card, spot))
        page = window.strategy_page
        await desk.until(
            lambda: window.current_page() == "strategy" and page.strategy_id == sid,  # noqa: B023
            f"the page of {sid}",
            10,
        )
        opened.append(sid)
    return {"opened": opened, "via": sorted(via), "passes": PASSES}


async def sidebar(desk: Desk) -> dict[str, Any]:
    shown = []
    for key in desk.window.navigation.keys:
        await desk.click(desk.window.navigation.buttons[key])
        await desk.until(lambda: desk.window.current_page() == key, f"page {key}")  # noqa: B023
        if desk.window.pages[key].isVisible():
            shown.append(key)
    return {"shown": shown, "order": list(desk.window.navigation.keys)}


def in_order(table: DataTable, column: int) -> bool:
    """The column's values follow the header's sort indicator (blanks last)."""
    proxy = table.proxy
    ranks = [sort_rank(proxy.index(r, column).data(SORT_ROLE)) for r in range(proxy.rowCount())]
    present = [r for r in ranks if r[0] != 2]
    if ranks[len(present) :] != [r for r in ranks if r[0] == 2]:
        return False
    descending = table.horizontalHeader().sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    return present == sorted(present, reverse=descending)


async def click_every_header(desk: Desk, table: DataTable) -> list[str]:
    """Click each section twice (both directions); the problems found."""
    header = table.horizontalHeader()
    problems = []
    for column in range(header.count()):
        if header.isSectionHidden(column):
            continue
        for _ in range(2):
            x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
            QTest.mouseClick(header.viewport(), LEFT, pos=QPoint(x, header.height() - 6))
            await asyncio.sleep(0.02)
            if header.sortIndicatorSection() != column:
                problems.append(f"column {column}: the click did not sort")
            elif not in_order(table, column):
                problems.append(f"column {column}: rows out of order")
    return problems


async def sorting(desk: Desk) -> dict[str, Any]:
    window = desk.window
    await desk.nav("verification")
    tables = {"verification": window.verification.table}
    await desk.until(lambda: window.verification.proxy.rowCount() >= 6, "verification rows")
    window.verification.select_strategy(sorted(window.dashboard.cards)[0])
    tables["rule evidence"] = window.verification.detail.evidence_table
    await desk.until(lambda: tables["rule evidence"].proxy.rowCount() > 0, "rule evidence")
    out: dict[str, Any] = {}
    for name, table in tables.items():
        out[name] = {"columns": table.horizontalHeader().count(), "problems": []}
        out[name]["problems"] = await click_every_header(desk, table)
    await desk.nav("alerts")
    alerts = desk.ui.log_view.table
    out["alerts"] = {"rows": alerts.proxy.rowCount()}
    out["alerts"]["problems"] = await click_every_header(desk, alerts)
    return out


async def copy_export(desk: Desk, folder: Path) -> dict[str, Any]:
    """Ctrl+C on a selected row; right-click › Export CSV… chosen in the real popup menu."""
    window = desk.window
    await desk.nav("verification")
    table = window.verification.table
    first = table.visualRect(table.proxy.index(0, 0)).center()
    QTest.mouseClick(table.viewport(), LEFT, pos=first)
    QTest.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    copied = QApplication.clipboard().text()
    target = folder / "verification.csv"
    table.copy_export.ask_path = lambda: target  # the save dialog's answer
    via = await desk.right_click(table.viewport(), first)
    await desk.until(lambda: isinstance(QApplication.activePopupWidget(), QMenu), "the menu")
    menu = QApplication.activePopupWidget()
    assert isinstance(menu, QMenu)
    titles = [a.text() for a in menu.actions()]
    action = next(a for a in menu.actions() if a.text().startswith("Export CSV"))
    QTest.mouseClick(menu, LEFT, pos=menu.actionGeometry(action).center())
    await desk.until(target.exists, "the CSV file")
    with target.open(encoding="utf-8-sig", newline="") as f:
        lines = list(csv.reader(f))  # a cell may hold a line break (quoted)
    return {
        "copied": copied,
        "menu_via": via,
        "first_row_name": table.proxy.index(0, 0).data(),
        "menu": titles,
        "csv_header": ",".join(lines[0]),
        "csv_rows": len(lines) - 1,
        "table_rows": table.proxy.rowCount(),
    }


async def banner(desk: Desk) -> dict[str, Any]:
    """Acknowledge while the banner's content changes: the alert on screen at the press is
    the one acknowledged; a press just after a change does nothing."""
    b = desk.window.banner
    shown = lambda: b.current.fingerprint if b.current is not None else None  # noqa: E731
    first = desk.inject("wf-first", "first breach")
    await desk.until(lambda: shown() == first, "the first alert on the banner")
    await asyncio.sleep(b.guard_s + 0.2)  # read it
    QTest.mousePress(b.ack_button, LEFT)
    pressed_on = shown()
    second = desk.inject("wf-second", "second breach")
    await desk.until(lambda: shown() == second, "the second alert replacing it")
    QTest.mouseRelease(b.ack_button, LEFT)
    await desk.until(lambda: desk.alert(first) and desk.alert(first).acked_by, "the ack", 10)
    third = desk.inject("wf-third", "third breach")
    await desk.until(lambda: shown() == third, "the third alert")
    ignored_before = b.ignored_presses
    QTest.mouseClick(b.ack_button, LEFT)  # at once: within the guard
    ignored = b.ignored_presses - ignored_before
    await asyncio.sleep(b.guard_s + 0.2)
    third_acked_early = bool(desk.alert(third) and desk.alert(third).acked_by)
    QTest.mouseClick(b.ack_button, LEFT)
    await desk.until(lambda: desk.alert(third) and desk.alert(third).acked_by, "third ack", 10)
    return {
        "pressed_on": pressed_on,
        "first_acked": bool(desk.alert(first).acked_by),
        "second_acked": bool(desk.alert(second) and desk.alert(second).acked_by),
        "ignored_presses": ignored,
        "third_acked_by_the_early_click": third_acked_early,
        "third_acked_later": True,
        "fingerprints": [first, second, third],
    }


def answer_next_box(button: str, seen: list[str]) -> None:
    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, click)
            return
        seen.append(box.text())
        next(b for b in box.buttons() if b.text().replace("&", "") == button).click()

    QTimer.singleShot(0, click)


async def open_scope(desk: Desk, index: int) -> str:
    """The Thresholds page for the `index`-th scope of *Applies to* (0: global)."""
    view = desk.window.thresholds
    await desk.nav("thresholds")
    await desk.until(lambda: view.scope_combo.count() > index, "the strategies in Applies to")
    sid = view.scope_combo.itemData(index)
    view.scope_combo.setCurrentIndex(index)
    await desk.until(
        lambda: view.scope == sid and view.state_label.text() not in ("", "Loading…"),
        f"the thresholds of {sid}",
    )
    return str(sid)


def sharpe_warning_p(desk: Desk, sid: str) -> float | None:
    """The live validator's Sharpe warning level for `sid`, from its published verdict."""
    backend = desk.host.backend
    snap = backend.runtime.published.snapshots.get(sid) if backend else None
    rule = snap.verdict.rule("sharpe_decay") if snap and snap.verdict else None
    return rule.evidence.get("warning_p") if rule else None


async def preset(desk: Desk) -> dict[str, Any]:
    """A detection preset picked from its list with real clicks, for one strategy, saved;
    the live validator then judges that strategy with the preset's levels."""
    view = desk.window.thresholds
    sid = await open_scope(desk, 1)
    combo = view.presets.combo
    before = combo.currentText()
    await desk.click(combo)  # opens the list
    popup = combo.view()
    await desk.until(popup.isVisible, "the preset list")
    await desk.click(popup.viewport(), popup.visualRect(combo.model().index(2, 0)).center())
    await desk.until(lambda: combo.currentIndex() == 2, "the picked preset")
    cusum_text = view.form.fields["cusum.warning_false_alarm"].text
    QTest.keyClicks(view.reason_edit, "workflow: decays first")
    await desk.click(view.save_button)
    await desk.until(lambda: view.state_label.text() == "Saved", "the saved preset")
    wanted = view.stored.sharpe.warning_p if view.stored else None
    await desk.until(lambda: sharpe_warning_p(desk, sid) == wanted, "the validator's new level")
    return {
        "scope": sid,
        "before": before,
        "picked": combo.currentText(),
        "cusum_text": cusum_text,
        "saved_sharpe_p": wanted,
        "validator_sharpe_p": sharpe_warning_p(desk, sid),
    }


async def preset_kept(desk: Desk) -> dict[str, Any]:
    """After the restart: the strategy's stored thresholds are still that preset."""
    view = desk.window.thresholds
    sid = await open_scope(desk, 1)
    return {
        "scope": sid,
        "shows": view.presets.combo.currentText(),
        "versions": view.versions.rowCount(),
    }


async def quit_asks(desk: Desk) -> dict[str, Any]:
    window = desk.window
    await desk.nav("history")  # a page that exists only once the backend is up
    await desk.until(lambda: window.active_alerts > 0, "active alerts")
    seen: list[str] = []
    answer_next_box("Cancel", seen)
    QTest.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    stayed = window.isVisible()
    answer_next_box("Quit", seen)
    QTest.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    await desk.until(lambda: not window.isVisible(), "the window to close", 5)
    return {"asked": seen, "stayed_after_cancel": stayed, "closed_after_quit": True}


async def restarted(desk: Desk) -> dict[str, Any]:
    """The second start on the same database and settings: what the first one left."""
    window, b = desk.window, desk.window.banner
    fps = [f"wf-{n}/workflow" for n in ("first", "second", "third")]
    await desk.until(lambda: all(desk.alert(fp) for fp in fps), "the stored alerts", 30)
    await desk.until(lambda: b.current is not None, "the banner")
    acked = {fp: desk.alert(fp).acked_by for fp in fps}
    return {
        "page": window.current_page(),
        "acked_by": acked,
        "banner_shows": b.current.fingerprint if b.current else None,
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="workflow-"))
    settings = QSettings(str(args.out.with_suffix(".ini")), QSettings.Format.IniFormat)
    host = BackendHost()
    window, ui = build_window(host, settings)
    window.restore_state()  # as the app does: the last screen, from QSettings()
    window.show()
    results: dict[str, Any] = {}
    demo = not args.restart  # the restart reads what the first run stored, no engine
    backend = await host.start(
        args.dsn, None, demo=demo, engine=start_demo_engine if demo else None
    )
    ui.user = backend.user
    reports = await add_backend_pages(window, host)
    window_state.restore_page(window, QSettings())  # as the app: History/Reports exist now
    desk = Desk(window, ui, host)
    scenarios: list[tuple[str, Callable[[], Awaitable[dict[str, Any]]]]] = [
        ("cards", lambda: cards(desk)),
        ("sidebar", lambda: sidebar(desk)),
        ("sorting", lambda: sorting(desk)),
        ("copy_export", lambda: copy_export(desk, folder)),
        ("banner", lambda: banner(desk)),
        ("preset", lambda: preset(desk)),
        ("quit", lambda: quit_asks(desk)),
    ]
    if args.restart:
        scenarios = [("restart", lambda: restarted(desk)), ("kept", lambda: preset_kept(desk))]
    try:
        for name, scenario in scenarios:
            started = time.monotonic()
            try:
                results[name] = {"ok": True, **await scenario()}
            except AssertionError as exc:
                results[name] = {"ok": False, "error": str(exc)}
            results[name]["seconds"] = round(time.monotonic() - started, 2)
    finally:
        await reports.stop()
        await host.stop()
    return results


def main() -> int:
    faulthandler.enable()
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument(
        "--restart", action="store_true", help="start again on the stored data (no simulator)"
    )
    args = parser.parse_args()
    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)  # as the app: closing ends the run, not the loop
    apply_theme(app, "dark")
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        results = loop.run_until_complete(run(args))
    args.out.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
