"""The PDF report: Qt's QPdfWriter, text as text, charts as vectors via QSvgRenderer.

Draws the same SVG charts and table rows as the HTML report (perfdesk.reports), laid
out on A4 pages with a header and page numbers. Safe to call from a worker thread
(QPdfWriter/QPainter/QSvgRenderer paint off the GUI thread) once a QGuiApplication
exists; never touches widgets. pyqtgraph is not involved (its SVG exporter fails and
scene-to-PDF mis-scales here, see STACK-NOTES.md).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
)
from PySide6.QtSvg import QSvgRenderer

from perfdesk.analytics.metrics import sample_size
from perfdesk.reports import fmt
from perfdesk.reports.charts import desk_chart, strategy_charts
from perfdesk.reports.html_render import KEY_FIGURES, _headline
from perfdesk.reports.model import Report, StrategyReport
from perfdesk.reports.paths import OutputPathError, write_bytes
from perfdesk.reports.style import ReportStyle, default_style
from perfdesk.reports.svg import Svg, paint
from perfdesk.reports.tables import Cell, Table, changes_table, desk_table, strategy_tables
from perfdesk.services.reports.render import RenderJob

Progress = Callable[[float, str], None]
DPI = 96
MARGIN_MM = 14.0
GAP = 10.0
FLEX_MIN = 110.0  # px: columns wider than this wrap when a table is too wide


def _qcolor(value: str) -> QColor:
    rgb, alpha = paint(value)
    color = QColor(rgb)
    color.setAlphaF(alpha)
    return color


class _Flow:
    """Top-to-bottom layout over pages: keeps the pen position and breaks pages."""

    def __init__(self, writer: QPdfWriter, style: ReportStyle, title: str) -> None:
        self.writer, self.style, self.title = writer, style, title
        self.painter = QPainter(writer)
        rect = writer.pageLayout().paintRectPixels(DPI)
        self.width, self.height = float(rect.width()), float(rect.height())
        self.page = 1
        self.y = 0.0
        self._chrome()

    # --- fonts and text -----------------------------------------------------------------
    def font(self, px: int, bold: bool = False, mono: bool = False) -> QFont:
        font = QFont()
        family = self.style.mono if mono else self.style.font
        font.setFamilies([f.strip().strip("'") for f in family.split(",")])
        font.setPixelSize(px)
        font.setBold(bold)
        return font

    def text_height(self, text: str, font: QFont, width: float) -> float:
        metrics = QFontMetricsF(font)
        flags = int(Qt.TextFlag.TextWordWrap)
        return metrics.boundingRect(QRectF(0, 0, width, 1e6), flags, text).height()

    def draw_text(  # noqa: PLR0917 - a painter primitive: position, text, font, colour
        self, x: float, y: float, w: float, text: str, font: QFont, color: str, *,
        align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft,
    ) -> float:  # fmt: skip
        h = self.text_height(text, font, w)
        self.painter.setFont(font)
        self.painter.setPen(_qcolor(color))
        flags = int(align) | int(Qt.TextFlag.TextWordWrap) | int(Qt.AlignmentFlag.AlignTop)
        self.painter.drawText(QRectF(x, y, w, h + 1), flags, text)
        return h

    # --- pages --------------------------------------------------------------------------
    def _chrome(self) -> None:
        s = self.style
        self.draw_text(0, self.height - 14, self.width / 2, f"perfdesk · {self.title}",
                       self.font(s.caption_px - 1), s.c("muted"))  # fmt: skip
        self.draw_text(self.width / 2, self.height - 14, self.width / 2, f"Page {self.page}",
                       self.font(s.caption_px - 1), s.c("muted"),
                       align=Qt.AlignmentFlag.AlignRight)  # fmt: skip
        self.y = 0.0

    def new_page(self) -> None:
        if not self.writer.newPage():
            raise OSError("the PDF writer could not start a new page")
        self.page += 1
        self._chrome()

    def ensure(self, h: float) -> None:
        """Start a new page unless `h` more pixels fit above the footer."""
        if self.y > 0 and self.y + h > self.height - 24:
            self.new_page()

    def finish(self) -> None:
        self.painter.end()

    # --- blocks -------------------------------------------------------------------------
    def heading(self, text: str, px: int, *, rule: bool = False, keep: float = 120) -> None:
        font = self.font(px, bold=True)
        self.ensure(self.text_height(text, font, self.width) + keep)
        self.y += self.draw_text(0, self.y, self.width, text, font, self.style.c("text")) + 4
        if rule:
            self.painter.setPen(QPen(_qcolor(self.style.c("border")), 1.5))
            self.painter.drawLine(0, int(self.y), int(self.width), int(self.y))
            self.y += 8

    def paragraph(self, text: str, color: str | None = None, px: int | None = None) -> None:
        font = self.font(px or self.style.body_px)
        self.ensure(self.text_height(text, font, self.width))
        self.y += self.draw_text(0, self.y, self.width, text, font,
                                 color or self.style.c("text2")) + 4  # fmt: skip

    def svg(self, chart: Svg) -> None:
        h = chart.height * self.width / chart.width
        self.ensure(h + GAP)
        renderer = QSvgRenderer(QByteArray(chart.render().encode("utf-8")))
        if not renderer.isValid():
            raise ValueError("a report chart is not valid SVG")
        renderer.render(self.painter, QRectF(0, self.y, self.width, h))
        self.y += h + GAP

    def badge(self, x: float, y: float, status: object) -> float:
        """A status pill at (x, y); returns its width."""
        text = str(getattr(status, "value", status))
        tone = text if text in ("ok", "warning", "critical") else "neutral"
        label = text.replace("_", " ").upper()
        font = self.font(self.style.caption_px, bold=True)
        w = QFontMetricsF(font).horizontalAdvance(label) + 18
        self.painter.setPen(Qt.PenStyle.NoPen)
        self.painter.setBrush(_qcolor(self.style.c(f"{tone}_bg")))
        self.painter.drawRoundedRect(QRectF(x, y, w, 20), 10, 10)
        center = Qt.AlignmentFlag.AlignHCenter
        self.draw_text(x, y + 3, w, label, font, self.style.c(tone), align=center)
        return w


class _Tables:
    """Draws a Table with wrapped cells, a header row repeated on each new page."""

    def __init__(self, flow: _Flow) -> None:
        self.flow = flow
        self.font = flow.font(flow.style.caption_px)
        self.head_font = flow.font(flow.style.caption_px, bold=True)

    def draw(self, table: Table) -> None:
        f = self.flow
        f.heading(table.title, f.style.title_px, keep=60)
        widths = self._widths(table)
        self._header(table, widths)
        if not table.rows:
            f.paragraph("None in the period.", f.style.c("muted"), f.style.caption_px)
        for row in table.rows:
            h = max(
                f.text_height(c.text, self.font, w - 10) for c, w in zip(row, widths, strict=True)
            )
            if f.y + h + 8 > f.height - 24:
                f.new_page()
                self._header(table, widths)
            self._row(row, widths, h + 6)
        if table.note:
            f.paragraph(table.note, f.style.c("muted"), f.style.caption_px)
        f.y += GAP

    def _widths(self, table: Table) -> list[float]:
        """Columns sized by their longest line; only wide (wrappable) columns give way
        when the table is wider than the page, short ones keep their natural width."""
        metrics = QFontMetricsF(self.font)
        natural = []
        for j, name in enumerate(table.columns):
            texts = [name] + [line for row in table.rows for line in row[j].text.split("\n")]
            natural.append(min(300.0, max(metrics.horizontalAdvance(t) for t in texts) + 14))
        total = sum(natural)
        if total <= self.flow.width:
            return [w * self.flow.width / total for w in natural]
        wide = [w > FLEX_MIN for w in natural]
        fixed = sum(w for w, flex in zip(natural, wide, strict=True) if not flex)
        flexible = total - fixed
        scale = max(0.05, (self.flow.width - fixed) / flexible) if flexible else 1.0
        return [w * scale if flex else w for w, flex in zip(natural, wide, strict=True)]

    def _header(self, table: Table, widths: list[float]) -> None:
        f = self.flow
        f.painter.fillRect(QRectF(0, f.y, f.width, 20), _qcolor(f.style.c("header")))
        x = 0.0
        right = [bool(table.rows) and table.rows[0][j].align == "right"
                 for j in range(len(table.columns))]  # fmt: skip
        for name, w, r in zip(table.columns, widths, right, strict=True):
            align = Qt.AlignmentFlag.AlignRight if r else Qt.AlignmentFlag.AlignLeft
            f.draw_text(x + 5, f.y + 3, w - 10, name, self.head_font, f.style.c("text2"),
                        align=align)  # fmt: skip
            x += w
        f.y += 20

    def _row(self, row: tuple[Cell, ...], widths: list[float], h: float) -> None:
        f = self.flow
        x = 0.0
        for cell, w in zip(row, widths, strict=True):
            color = f.style.c(cell.tone if cell.tone != "muted" and cell.tone else "text")
            align = (
                Qt.AlignmentFlag.AlignRight if cell.align == "right" else Qt.AlignmentFlag.AlignLeft
            )
            f.draw_text(x + 5, f.y + 3, w - 10, cell.text, self.font, color, align=align)
            x += w
        f.painter.setPen(QPen(_qcolor(f.style.c("border_subtle")), 0.8))
        f.painter.drawLine(0, int(f.y + h), int(f.width), int(f.y + h))
        f.y += h


def _title(flow: _Flow, report: Report) -> None:
    s = flow.style
    flow.heading(report.title, s.heading_px + 6, keep=200)
    period = f"Period {fmt.day(report.start)} to {fmt.day(report.end)} (end exclusive, UTC)"
    meta = f"{period} · generated {fmt.stamp(report.generated_at)} · overall"
    font = flow.font(s.caption_px + 1)
    flow.draw_text(0, flow.y, flow.width, meta, font, s.c("text2"))
    flow.badge(QFontMetricsF(font).horizontalAdvance(meta) + 8, flow.y - 2, report.status)
    flow.y += 30


def _headline_card(flow: _Flow, s: StrategyReport) -> None:
    st = flow.style
    text = _headline(s) if s.verdict else "No verdict: no daily returns in the period."
    flow.ensure(120)
    top = flow.y
    flow.painter.setPen(QPen(_qcolor(st.c("border_subtle")), 1))
    flow.painter.setBrush(_qcolor(st.c("card")))
    flow.painter.drawRoundedRect(QRectF(0, top, flow.width, 100), st.radius, st.radius)
    w = flow.badge(14, top + 12, s.status)
    flow.draw_text(24 + w, top + 13, flow.width - w - 40, text, flow.font(st.body_px), st.c("text"))
    col = (flow.width - 28) / len(KEY_FIGURES)
    for i, (key, label, kind) in enumerate(KEY_FIGURES):
        v = sample_size.shown(s.analysis.metrics, key)  # withheld below the minimum sample
        value = fmt.num(v) if kind == "num" else fmt.pct(v, 2, signed=kind == "pcts")
        tone = (fmt.tone(v) if kind == "pcts" else None) or "text"
        x = 14 + i * col
        flow.draw_text(x, top + 46, col, label.upper(), flow.font(st.caption_px), st.c("muted"))
        flow.draw_text(x, top + 62, col, value, flow.font(st.heading_px, True, True), st.c(tone))
    flow.y = top + 100 + GAP


def _strategy(flow: _Flow, s: StrategyReport, first: bool) -> None:
    if not first:
        flow.new_page()
    a = s.analysis
    flow.heading(f"{a.name}  ({a.strategy_id})", flow.style.heading_px, rule=True, keep=260)
    _headline_card(flow, s)
    for note in a.notes:
        flow.paragraph(note, flow.style.c("muted"), flow.style.caption_px)
    charts = dict(strategy_charts(a, flow.style))
    tables = {t.key: t for t in strategy_tables(s)}
    drawer = _Tables(flow)
    flow.svg(charts["equity"])
    flow.svg(charts["underwater"])
    drawer.draw(tables["rules"])
    for key in ("monthly", "rolling_sharpe", "cone"):
        flow.svg(charts[key])
    for key in ("metrics", "monthly", "drawdowns", "alerts", "thresholds"):
        drawer.draw(tables[key])


def render_pdf(
    report: Report,
    path: Path,
    *,
    style: ReportStyle | None = None,
    progress: Progress | None = None,
) -> int:
    """Write the report to `path` (a new file; see reports.paths); returns the page count.

    Rendered in memory, then written by reports.paths.write_bytes (an exclusive temp file
    linked into place): the PDF never goes through a symlink planted at `path`."""
    style = style or default_style()
    if path.exists() or path.is_symlink():
        raise OutputPathError(f"{path} exists already")
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(DPI)
    writer.setTitle(report.title)
    writer.setCreator("perfdesk")
    margins = QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                     QPageLayout.Orientation.Portrait, margins,
                                     QPageLayout.Unit.Millimeter))  # fmt: skip
    flow = _Flow(writer, style, report.title)
    try:
        _title(flow, report)
        for note in report.notes:
            flow.paragraph(note, style.c("muted"), style.caption_px)
        if report.is_desk:
            _Tables(flow).draw(desk_table(report))
            flow.svg(desk_chart([s.analysis for s in report.strategies], style))
        if report.global_threshold_changes:
            _Tables(flow).draw(changes_table(report.global_threshold_changes))
        for i, part in enumerate(report.strategies):
            if progress is not None:
                progress(i / len(report.strategies), f"PDF: {part.strategy_id}")
            _strategy(flow, part, first=i == 0 and not report.is_desk)
    finally:
        flow.finish()
    write_bytes(path, bytes(buffer.data().data()))
    return flow.page


def pdf_renderer(job: RenderJob) -> list[Path]:
    """The "pdf" renderer for report_render (any thread, once a QGuiApplication exists)."""
    path = job.target("pdf")
    if job.overwrite:
        path.unlink(missing_ok=True)
    render_pdf(job.report, path, progress=job.progress)
    return [path]
