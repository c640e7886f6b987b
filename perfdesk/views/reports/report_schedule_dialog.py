"""Create or edit a report schedule: daily / weekly / monthly at a time, in a time zone.

The rule is validated as the user edits (ScheduleError names the field); OK stays
disabled while anything is invalid. Strategies are ticked in the list of known ones
(by name; the id in the tooltip); none ticked means all, and an id no longer known
(an older schedule's) is shown ticked and refused until it is unticked. Signals: none
(a modal dialog; read `schedule()`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from zoneinfo import available_timezones

from PySide6.QtCore import Qt, QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from perfdesk.services.reports.store import (
    FORMATS,
    PERIODS,
    ReportSchedule,
    ScheduleError,
    SimpleRule,
    parse_simple,
)

KINDS = ("daily", "weekly", "monthly")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def local_zone() -> str:
    """The machine's IANA time zone name (TZ, /etc/localtime), else "UTC"."""
    tz = os.environ.get("TZ", "").lstrip(":")
    if tz in available_timezones():
        return tz
    try:
        target = str(Path("/etc/localtime").resolve())
    except OSError:
        return "UTC"
    name = target.split("zoneinfo/", 1)[-1] if "zoneinfo/" in target else ""
    return name if name in available_timezones() else "UTC"


class StrategyPicker(QListWidget):
    """Known strategies to tick, by name (id in the tooltip); none ticked = all."""

    def __init__(self, known: Mapping[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.known = dict(known)
        self.setMaximumHeight(120)
        for sid, name in sorted(self.known.items(), key=lambda kv: kv[1].lower()):
            self._add(sid, name)

    def _add(self, sid: str, text: str) -> QListWidgetItem:
        item = QListWidgetItem(text)
        item.setData(Qt.ItemDataRole.UserRole, sid)
        item.setToolTip(sid)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Unchecked)
        self.addItem(item)
        return item

    def _items(self) -> list[QListWidgetItem]:
        return [self.item(i) for i in range(self.count())]

    def set_checked(self, ids: tuple[str, ...]) -> None:
        listed = {it.data(Qt.ItemDataRole.UserRole) for it in self._items()}
        for sid in ids:
            if sid not in listed:
                self._add(sid, f"{sid} (unknown)")
        for item in self._items():
            on = item.data(Qt.ItemDataRole.UserRole) in ids
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def checked(self) -> tuple[str, ...]:
        return tuple(
            it.data(Qt.ItemDataRole.UserRole)
            for it in self._items()
            if it.checkState() == Qt.CheckState.Checked
        )

    def unknown(self) -> list[str]:
        return [sid for sid in self.checked() if sid not in self.known]


class ScheduleDialog(QDialog):
    def __init__(
        self,
        schedule: ReportSchedule | None = None,
        parent: QWidget | None = None,
        default_folder: str = "",
        known: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit report schedule" if schedule else "New report schedule")
        self._original = schedule
        self._known = dict(known or {})
        self._build(default_folder)
        if schedule is not None:
            self._load(schedule)
        self.validate()

    def _build(self, folder: str) -> None:
        form = QFormLayout()
        self.name = QLineEdit()
        self.kind = QComboBox()
        self.kind.addItems([k.title() for k in KINDS])
        self.time = QTimeEdit(QTime(7, 0))
        self.time.setDisplayFormat("HH:mm")
        self.weekday = QComboBox()
        self.weekday.addItems(WEEKDAYS)
        self.day = QSpinBox()
        self.day.setRange(1, 28)
        self.zone = QComboBox()
        self.zone.setEditable(True)
        self.zone.addItems(sorted(available_timezones()))
        self.zone.setCurrentText(local_zone())
        self.strategies = StrategyPicker(self._known)
        self.strategies.setToolTip("Tick the strategies to report on; none ticked = all")
        self.period = QComboBox()
        self.period.addItems(PERIODS)
        self.formats = {f: QCheckBox(f.upper()) for f in FORMATS}
        self.formats["pdf"].setChecked(True)
        self.folder = QLineEdit(folder)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        self.title = QLineEdit()
        self.title.setPlaceholderText("derived from the strategies")
        row = QHBoxLayout()
        for box in self.formats.values():
            row.addWidget(box)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(browse)
        for label, widget in (("Name", self.name), ("Repeat", self.kind), ("At", self.time),
                              ("On weekday", self.weekday), ("On day of month", self.day),
                              ("Time zone", self.zone), ("Strategies", self.strategies),
                              ("Period covered", self.period), ("Title", self.title)):  # fmt: skip
            form.addRow(label, widget)
        form.addRow("Formats", row)
        form.addRow("Folder", folder_row)
        self.error = QLabel()
        self.error.setObjectName("FieldError")
        self.error.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        for signal in (self.name.textChanged, self.kind.currentIndexChanged,
                       self.time.timeChanged, self.weekday.currentIndexChanged,
                       self.day.valueChanged, self.zone.currentTextChanged,
                       self.strategies.itemChanged, self.period.currentIndexChanged,
                       self.folder.textChanged, self.title.textChanged):  # fmt: skip
            signal.connect(self.validate)
        for box in self.formats.values():
            box.toggled.connect(self.validate)

    def _load(self, s: ReportSchedule) -> None:
        rule = parse_simple(s.cron) or SimpleRule("daily", 7, 0)
        self.name.setText(s.name)
        self.kind.setCurrentIndex(KINDS.index(rule.kind))
        self.time.setTime(QTime(rule.hour, rule.minute))
        self.weekday.setCurrentIndex(rule.weekday)
        self.day.setValue(rule.day)
        self.zone.setCurrentText(s.timezone)
        self.strategies.set_checked(s.strategies)
        self.period.setCurrentText(s.period)
        for f, box in self.formats.items():
            box.setChecked(f in s.formats)
        self.folder.setText(s.out_dir)
        self.title.setText(s.title or "")

    def _browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Report folder", self.folder.text())
        if chosen:
            self.folder.setText(chosen)

    def schedule(self) -> ReportSchedule:
        """The schedule as entered (raises ScheduleError naming the bad field)."""
        kind = KINDS[self.kind.currentIndex()]
        t = self.time.time()
        rule = SimpleRule(kind, t.hour(), t.minute(), weekday=self.weekday.currentIndex(),
                          day=self.day.value())  # fmt: skip
        unknown = self.strategies.unknown()
        if unknown:
            raise ScheduleError(
                f"strategies: unknown strategy {', '.join(unknown)}; untick it or pick one "
                "from the list (strategies appear once the engine has sent their data)"
            )
        ids = self.strategies.checked()
        base = self._original or ReportSchedule("", "", "", "")
        return replace(
            base, name=self.name.text().strip(), cron=rule.cron,
            timezone=self.zone.currentText().strip(), out_dir=self.folder.text().strip(),
            strategies=ids, formats=tuple(f for f, b in self.formats.items() if b.isChecked()),
            period=self.period.currentText(), title=self.title.text().strip() or None,
        ).validated()  # fmt: skip

    def validate(self) -> bool:
        kind = KINDS[self.kind.currentIndex()]
        self.weekday.setEnabled(kind == "weekly")
        self.day.setEnabled(kind == "monthly")
        try:
            self.schedule()
        except ScheduleError as exc:
            self.error.setText(str(exc))
            ok = False
        else:
            self.error.setText("")
            ok = True
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)
        return ok
