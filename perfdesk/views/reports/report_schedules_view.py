"""Report schedules (create / edit / pause / delete) and the list of runs.

Tables are RowTableModels updated in place by key. Every change goes through the
ReportsSource (backend loop) and the lists are re-read afterwards. `confirm` (injected,
a QMessageBox by default) asks before deleting. Edit, Pause, Delete and Run now act on
the selected schedule and are disabled while none is selected. Signals: changed().
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import PurePath
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QMessageBox, QVBoxLayout, QWidget

from perfdesk.services.reports.store import ReportRun, ReportSchedule, describe
from perfdesk.views.components.button import Button
from perfdesk.views.components.data_table import Column, DataTable, RowTableModel
from perfdesk.views.reports.report_schedule_dialog import ScheduleDialog
from perfdesk.views.reports.report_source import ReportsSource
from perfdesk.views.support import fmt, ops, style

Dialog = Callable[[ReportSchedule | None, QWidget], ReportSchedule | None]


def _stamp(ts: datetime | None) -> str:
    return fmt.minute_time(ts)


def _took(run: ReportRun) -> str:
    if run.finished_at is None:
        return "running"
    return f"{(run.finished_at - run.started_at).total_seconds():.1f} s"


def _row(s: ReportSchedule, nxt: datetime | None, names: dict[str, str]) -> dict[str, Any]:
    shown = ", ".join(names.get(sid, f"{sid} (unknown)") for sid in s.strategies)
    return {"id": s.id, "schedule": s, "next": nxt, "strategies": shown or "all"}


def plural(count: int, noun: str) -> str:
    """`1 schedule`, `2 schedules`, `0 runs`."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


SCHEDULE_COLUMNS: list[Column[dict[str, Any]]] = [
    Column("name", "Name", lambda r: r["schedule"].name),
    Column("when", "When", lambda r: describe(r["schedule"])),
    Column(
        "strategies",
        "Strategies",
        lambda r: r["strategies"],
        extra={"tip": lambda r: ", ".join(r["schedule"].strategies) or "all strategies"},
    ),
    Column("formats", "Formats", lambda r: ", ".join(r["schedule"].formats).upper()),
    Column("period", "Period", lambda r: r["schedule"].period),
    Column("state", "State", lambda r: "Paused" if r["schedule"].paused else "Active"),
    Column("next", "Next run", lambda r: _stamp(r["next"])),
    Column("folder", "Folder", lambda r: r["schedule"].out_dir),
]

RUN_STATUS_TOKENS = {
    "failed": "colors.semantic.status.error",
    "skipped": "colors.semantic.status.warning",
}
"""A failed or skipped run stands out in the list (ok runs in the normal text colour)."""

RUN_COLUMNS: list[Column[ReportRun]] = [
    Column("started", "Started", lambda r: _stamp(r.started_at)),
    Column("for", "Scheduled for", lambda r: _stamp(r.scheduled_for)),
    Column(
        "status",
        "Status",
        lambda r: r.status,
        extra={
            "tip": lambda r: r.error or r.status,
            "color": lambda r: RUN_STATUS_TOKENS.get(r.status),
        },
    ),
    Column("late", "Late", lambda r: "late" if r.late else ""),
    Column("trigger", "Trigger", lambda r: r.trigger.replace("_", "-")),
    Column("took", "Took", _took),
    Column("error", "Error", lambda r: r.error or ""),
    Column(
        "files",
        "Files",
        lambda r: ", ".join(PurePath(f).name for f in r.files),
        extra={"tip": lambda r: "\n".join(r.files)},
    ),
]


def _edit_dialog(schedule: ReportSchedule | None, parent: QWidget) -> ReportSchedule | None:
    known = getattr(parent, "known", {})
    dialog = ScheduleDialog(schedule, parent, known=known)
    return dialog.schedule() if dialog.exec() == QDialog.DialogCode.Accepted else None


def _confirm(parent: QWidget, text: str) -> bool:
    answer = QMessageBox.question(parent, "perfdesk", text)
    return answer == QMessageBox.StandardButton.Yes


class SchedulesView(QWidget):
    changed = Signal()

    def __init__(self, source: ReportsSource, parent: QWidget | None = None, *,
                 dialog: Dialog = _edit_dialog,
                 confirm: Callable[[QWidget, str], bool] = _confirm) -> None:  # fmt: skip
        super().__init__(parent)
        self.source, self._dialog, self._confirm = source, dialog, confirm
        self._note = ""  # the outcome of the last Run now, shown in the status line
        self.known: dict[str, str] = {}
        """strategy_id -> name of the strategies with stored data (the dialog's list)."""
        self.schedules = RowTableModel(SCHEDULE_COLUMNS, key=lambda r: str(r["id"]))
        self.runs = RowTableModel(RUN_COLUMNS, key=lambda r: str(r.id))
        self.last_refresh: asyncio.Future[Any] | None = None
        self._build()

    def _build(self) -> None:
        self.table = DataTable(self.schedules)
        self.run_table = DataTable(self.runs)
        self.table.set_empty_text("No schedules yet: New schedule… creates one.")
        self.run_table.set_empty_text("No runs yet.")
        self.new_button = Button("New schedule…", variant="primary")
        self.edit_button = Button("Edit…")
        self.pause_button = Button("Pause / resume")
        self.delete_button = Button("Delete", variant="danger")
        self.run_button = Button("Run now")
        self.run_button.setToolTip("Write the selected schedule's report now (a manual run)")
        self.refresh_button = Button("Refresh", variant="ghost")
        self.status = QLabel()
        buttons = QHBoxLayout()
        for b in (self.new_button, self.edit_button, self.pause_button, self.run_button,
                  self.delete_button):  # fmt: skip
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)
        theme = style.current_theme()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, theme.px("spacing.semantic.lg"), 0, 0)  # as Export now
        layout.setSpacing(theme.px("spacing.semantic.md"))
        layout.addLayout(buttons)
        layout.addWidget(self.table, 2)
        runs = QLabel("RUNS (NEWEST FIRST)")
        runs.setProperty("kind", "caption")
        layout.addWidget(runs)
        layout.addWidget(self.run_table, 3)
        layout.addWidget(self.status)
        self.new_button.clicked.connect(lambda: self.edit(None))
        self.edit_button.clicked.connect(lambda: self.edit(self.current()))
        self.pause_button.clicked.connect(self.toggle_pause)
        self.delete_button.clicked.connect(self.delete)
        self.run_button.clicked.connect(self.run_now)
        self.refresh_button.clicked.connect(self.refresh)
        self.table.selectionModel().selectionChanged.connect(self._update_actions)
        self.schedules.modelReset.connect(self._update_actions)
        self.schedules.rowsRemoved.connect(self._update_actions)
        self._update_actions()

    def _update_actions(self, *_: object) -> None:
        chosen = self.current() is not None
        for b in (self.edit_button, self.pause_button, self.run_button, self.delete_button):
            b.setEnabled(chosen)

    def set_strategy_names(self, names: dict[str, str]) -> None:
        """strategy_id -> name: the dialog's list and the Strategies column show names."""
        self.known = dict(names)

    def current(self) -> ReportSchedule | None:
        index = self.table.currentIndex()
        if not index.isValid() or not self.table.selectionModel().hasSelection():
            return None
        row = self.table.proxy.mapToSource(index).row()
        schedule: ReportSchedule = self.schedules.row_at(row)["schedule"]
        return schedule

    def select(self, schedule_id: int) -> None:
        row = self.schedules.row_of(str(schedule_id))
        if row is not None:
            self.table.setCurrentIndex(self.table.proxy.mapFromSource(self.schedules.index(row, 0)))

    # --- reads --------------------------------------------------------------------------
    def refresh(self) -> None:
        async def read() -> tuple[
            list[ReportSchedule], dict[int, datetime | None], list[ReportRun]
        ]:
            return (await self.source.schedules(), await self.source.next_run_times(),
                    await self.source.runs())  # fmt: skip

        self.last_refresh = ops.run(read(), owner=self, on_success=self._show,
                                    on_failure=self._error, group="report-schedules")  # fmt: skip

    def _show(self, data: tuple[list[ReportSchedule], dict[int, datetime | None],
                                list[ReportRun]]) -> None:  # fmt: skip
        schedules, nxt, runs = data
        keep = {str(s.id) for s in schedules}
        self.schedules.remove([k for k in self.schedules.row_keys() if k not in keep])
        self.schedules.upsert([_row(s, nxt.get(s.id or 0), self.known) for s in schedules])
        self.runs.upsert(runs)
        self.table.resizeColumnsToContents()
        self.run_table.resizeColumnsToContents()
        self.status.setText(f"{plural(len(schedules), 'schedule')} · "
                            f"{plural(len(runs), 'run')} shown · "
                            f"updated {fmt.short_time(datetime.now(UTC))}"
                            + (f" · {self._note}" if self._note else ""))  # fmt: skip
        self._update_actions()
        self.changed.emit()

    def _error(self, exc: BaseException) -> None:
        self.status.setText(f"Could not update the schedules: {exc}")
        ops.report_failure("report schedules", exc)

    # --- edits --------------------------------------------------------------------------
    def _apply(self, work: Any) -> None:
        ops.run(work, owner=self, on_success=lambda _r: self.refresh(), on_failure=self._error)

    def edit(self, schedule: ReportSchedule | None) -> None:
        edited = self._dialog(schedule, self)
        if edited is not None:
            self._apply(self.source.save(edited))

    def toggle_pause(self) -> None:
        s = self.current()
        if s is not None and s.id is not None:
            self._apply(self.source.set_paused(s.id, not s.paused))

    def run_now(self) -> None:
        s = self.current()
        if s is None or s.id is None:
            return
        self.status.setText(f"Running {s.name!r} now…")
        self.run_button.setEnabled(False)
        ops.run(self.source.run_now(s.id), owner=self, on_success=self._ran,
                on_failure=self._error, group="report-run-now")  # fmt: skip

    def _ran(self, run: ReportRun | None) -> None:
        if run is None:
            self._note = "Run now: that occurrence was already running"
        elif run.status == "ok":
            self._note = f"Run now: {plural(len(run.files), 'file')} written"
        else:
            self._note = f"Run now {run.status}: {run.error}"
        self.refresh()

    def delete(self) -> None:
        s = self.current()
        if s is None or s.id is None:
            return
        if self._confirm(self, f"Delete the report schedule {s.name!r}? Its runs are kept."):
            self._apply(self.source.delete(s.id))
