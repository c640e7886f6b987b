"""Export a report now: strategies (current or a selection), date range, formats, folder.

Generation runs on the backend (ReportsSource); progress comes back through a queued
signal and the GUI stays responsive. The period presets end on the last day of stored
data of the ticked strategies (not today: the demo's market time runs behind the wall
clock), and a period after that day is refused before export. After writing, *Open
file* and *Open folder* open the result with the desktop's own application
(`open_url`, injectable). Signals: exported(list[str] paths), failed(str).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QDate, QObject, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QPaintEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from perfdesk.reports.paths import safe_name
from perfdesk.services.reports.builder import ReportRequest
from perfdesk.services.reports.scheduler import ExportResult
from perfdesk.services.reports.store import FORMATS
from perfdesk.views.components.button import Button
from perfdesk.views.components.data_table import paint_empty_text
from perfdesk.views.reports.report_source import ReportsSource
from perfdesk.views.support import ops, style

RANGES = {"1M": 30, "3M": 91, "6M": 182, "1Y": 365}


class _Relay(QObject):
    """Progress from backend/worker threads to the GUI thread (queued connection)."""

    progress = Signal(float, str)


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _day(q: QDate) -> datetime:
    return datetime(q.year(), q.month(), q.day(), tzinfo=UTC)


class StrategyList(QListWidget):
    """The strategies to tick; says where they come from while there is none."""

    EMPTY = "No strategy stored yet: each appears here once the engine has sent its data."

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.count() == 0:
            paint_empty_text(self.viewport(), self.EMPTY)


class ExportPanel(QWidget):
    exported = Signal(list)
    failed = Signal(str)

    def __init__(self, source: ReportsSource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source = source
        self.open_url = QDesktopServices.openUrl
        self.last_day: date | None = None
        """The last day with stored data of the ticked strategies (None: unknown/none)."""
        self.written: list[Path] = []
        self.relay = _Relay(self)
        self.relay.progress.connect(self._on_progress)
        self._build()
        self.set_range("1M")
        self.validate()

    def _build(self) -> None:
        self._names: dict[str, str] = {}
        self.strategy_list = StrategyList()
        self.strategy_list.setMaximumHeight(140)
        self.range = QComboBox()
        self.range.addItems([*RANGES, "Custom"])
        self.range.currentTextChanged.connect(self.set_range)
        self.start, self.end = QDateEdit(), QDateEdit()
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.dateChanged.connect(self.validate)
        self.formats = {f: QCheckBox(f.upper()) for f in FORMATS}
        self.formats["pdf"].setChecked(True)
        self.formats["html"].setChecked(True)
        self.folder = QLineEdit(str(Path.home() / "perfdesk-reports"))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        self.name = QLineEdit()
        self.name.setPlaceholderText("file name (default: strategies and dates)")
        self.export_button = Button("Export", variant="primary")
        self.export_button.clicked.connect(self.export)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setVisible(False)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.data_hint = QLabel()
        self.data_hint.setProperty("kind", "caption")
        self.open_file_button = Button("Open file")
        self.open_folder_button = Button("Open folder")
        self.open_file_button.clicked.connect(self.open_file)
        self.open_folder_button.clicked.connect(self.open_folder)
        for b in (self.open_file_button, self.open_folder_button):
            b.setVisible(False)
        self._layout(browse)
        self.strategy_list.itemChanged.connect(self.validate)
        self.strategy_list.itemChanged.connect(self.read_data_end)
        self.folder.textChanged.connect(self.validate)
        for box in self.formats.values():
            box.toggled.connect(self.validate)

    def _layout(self, browse: QPushButton) -> None:
        form = QFormLayout()
        gap = style.current_theme().px("spacing.semantic.sm")
        dates = QHBoxLayout()
        dates.setSpacing(gap)
        for w in (self.range, QLabel("from"), self.start, QLabel("to (inclusive)"), self.end):
            dates.addWidget(w)
        dates.addWidget(self.data_hint)
        dates.addStretch(1)
        formats = QHBoxLayout()
        formats.setSpacing(style.current_theme().px("spacing.semantic.lg"))
        for box in self.formats.values():
            formats.addWidget(box)
        formats.addStretch(1)
        folder = QHBoxLayout()
        folder.setSpacing(gap)
        folder.addWidget(self.folder, 1)
        folder.addWidget(browse)
        form.addRow("Strategies", self.strategy_list)
        form.addRow("Period", dates)
        form.addRow("Formats", formats)
        form.addRow("Folder", folder)
        form.addRow("File name", self.name)
        theme = style.current_theme()
        form.setHorizontalSpacing(theme.px("spacing.semantic.lg"))
        form.setVerticalSpacing(theme.px("spacing.semantic.md"))
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        layout = QVBoxLayout(self)
        pad = theme.px("spacing.semantic.lg")
        layout.setContentsMargins(0, pad, 0, 0)
        layout.setSpacing(theme.px("spacing.semantic.md"))
        row = QHBoxLayout()
        row.addWidget(self.export_button, 0, Qt.AlignmentFlag.AlignLeft)
        row.addWidget(self.progress, 1)
        form.addRow("", row)  # the action lines up with the inputs
        layout.addLayout(form)
        layout.addWidget(self.message)
        opens = QHBoxLayout()
        opens.addWidget(self.open_file_button)
        opens.addWidget(self.open_folder_button)
        opens.addStretch(1)
        layout.addLayout(opens)
        layout.addStretch(1)

    # --- inputs -------------------------------------------------------------------------
    def set_strategies(self, ids: list[str], current: str | None = None) -> None:
        """Fill the list; the current strategy (or the first) is checked."""
        self.strategy_list.blockSignals(True)
        self.strategy_list.clear()
        for sid in ids:
            item = QListWidgetItem(self._names.get(sid, sid))
            item.setData(Qt.ItemDataRole.UserRole, sid)
            item.setToolTip(sid)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if sid == (current or ids[0])
                               else Qt.CheckState.Unchecked)  # fmt: skip
            self.strategy_list.addItem(item)
        self.strategy_list.blockSignals(False)
        self.validate()
        self.read_data_end()

    def check_only(self, strategy_id: str) -> None:
        """Tick `strategy_id` alone (if listed): "the current strategy"."""
        for i in range(self.strategy_list.count()):
            item = self.strategy_list.item(i)
            on = item.data(Qt.ItemDataRole.UserRole) == strategy_id
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def read_data_end(self, *_: object) -> None:
        """Ask where the ticked strategies' stored data ends (then move the preset there)."""
        if not self.selected():
            return
        ops.run(self.source.data_end(tuple(self.selected())), owner=self,
                on_success=self._set_data_end, group="report-data-end")  # fmt: skip

    def _set_data_end(self, end: datetime | None) -> None:
        self.last_day = None if end is None else (end - timedelta(days=1)).date()
        self.data_hint.setText(
            "no stored data" if self.last_day is None else f"data until {self.last_day}"
        )
        self.set_range(self.range.currentText())
        self.validate()

    def selected(self) -> list[str]:
        items = (self.strategy_list.item(i) for i in range(self.strategy_list.count()))
        return [
            it.data(Qt.ItemDataRole.UserRole)
            for it in items
            if it.checkState() == Qt.CheckState.Checked
        ]

    def set_strategy_names(self, names: dict[str, str]) -> None:
        """Show strategies by name (the id stays in the tooltip and is what is exported)."""
        self._names = dict(names)
        for i in range(self.strategy_list.count()):
            item = self.strategy_list.item(i)
            sid = item.data(Qt.ItemDataRole.UserRole)
            item.setText(self._names.get(sid, sid))

    def set_range(self, key: str) -> None:
        """A preset: the last `key` ending on the last day of stored data (else today)."""
        if key not in RANGES:
            return
        last = self.last_day or datetime.now(UTC).date()
        self.end.setDate(_qdate(last))
        self.start.setDate(_qdate(last - timedelta(days=RANGES[key])))

    def _browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Export to folder", self.folder.text())
        if chosen:
            self.folder.setText(chosen)

    def request(self) -> ReportRequest:
        start, end = _day(self.start.date()), _day(self.end.date()) + timedelta(days=1)
        formats = tuple(f for f, b in self.formats.items() if b.isChecked())
        return ReportRequest(tuple(self.selected()), start, end, None, formats)

    def stem(self) -> str:
        if self.name.text().strip():
            return safe_name(self.name.text().strip())
        req = self.request()
        who = req.strategies[0] if len(req.strategies) == 1 else f"desk-{len(req.strategies)}"
        assert req.start is not None
        last = req.end - timedelta(days=1)
        return safe_name(f"{who}-{req.start:%Y%m%d}-{last:%Y%m%d}")

    def problem(self) -> str | None:
        """What stops an export, said at once (None when ready)."""
        if not self.selected():
            return "Choose at least one strategy."
        if not any(b.isChecked() for b in self.formats.values()):
            return "Choose at least one format."
        if self.start.date() > self.end.date():
            return "The period starts after it ends."
        if self.last_day is not None and _day(self.start.date()).date() > self.last_day:
            return (
                f"No stored data in this period: the data of the ticked strategies ends on "
                f"{self.last_day}. Choose an earlier period."
            )
        if not self.folder.text().strip():
            return "Choose the folder to write to."
        return None

    def validate(self) -> bool:
        problem = self.problem()
        self.export_button.setEnabled(problem is None and not self.progress.isVisible())
        if problem is not None:
            self.message.setText(problem)
        elif not self.progress.isVisible() and self.message.property("result") != "1":
            self.message.setText("")
        return problem is None

    # --- work ---------------------------------------------------------------------------
    def export(self) -> None:
        if not self.validate():
            return
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.export_button.setEnabled(False)
        self.message.setProperty("result", "0")
        self.message.setText("Generating…")
        self._show_opens([])
        work = self.source.export(self.request(), Path(self.folder.text()).expanduser(),
                                  self.stem(), self.relay.progress.emit)  # fmt: skip
        ops.run(work, owner=self, on_success=self._done, on_failure=self._failed,
                group="report-export")  # fmt: skip

    def _on_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(fraction * 1000))
        self.message.setText(message)

    def _finish(self, text: str) -> None:
        self.progress.setVisible(False)
        self.message.setProperty("result", "1")
        self.message.setText(text)
        self.validate()

    def _done(self, result: ExportResult) -> None:
        paths = [str(p) for p in result.files]
        self._finish("Written:\n" + "\n".join(paths))
        self._show_opens(list(result.files))
        self.exported.emit(paths)

    def _show_opens(self, files: list[Path]) -> None:
        self.written = files
        self.open_file_button.setVisible(bool(files))
        self.open_folder_button.setVisible(bool(files))
        if files:
            self.open_file_button.setToolTip(str(self._main_file()))
            self.open_folder_button.setToolTip(str(files[0].parent))

    def _main_file(self) -> Path:
        """The file to open: the PDF if one was written, else the first."""
        pdfs = [f for f in self.written if f.suffix == ".pdf"]
        return (pdfs or self.written)[0]

    def open_file(self) -> None:
        if self.written:
            self.open_url(QUrl.fromLocalFile(str(self._main_file())))

    def open_folder(self) -> None:
        if self.written:
            self.open_url(QUrl.fromLocalFile(str(self.written[0].parent)))

    def _failed(self, exc: BaseException) -> None:
        self._finish(f"Export failed: {exc}")
        self.failed.emit(str(exc))
