"""Painted widgets of the History page: the monthly-returns heatmap, the gap waterfall,
the titled panel that frames every chart, and the KPI strip.

Colours come from design tokens (profit/loss with an alpha that grows with the size
of the number), so the green-up/red-up convention and the colour-blind palette apply.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from perfdesk.analytics.history_types import GapDecomposition, HistoryAnalysis
from perfdesk.analytics.metrics.sample_size import Insufficient, shown
from perfdesk.views.support import fmt, style

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class Panel(QFrame):
    """A titled frame around one chart or table (QSS kind="panel")."""

    def __init__(self, title: str, body: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("kind", "panel")
        self.body = body
        self.heading = QLabel(title)
        self.heading.setProperty("kind", "caption")
        self.heading.setWordWrap(True)  # in a narrow window the title wraps, never widens it
        box = QVBoxLayout(self)
        pad = style.current_theme().px("spacing.semantic.sm")
        box.setContentsMargins(pad, pad, pad, pad)
        box.setSpacing(pad // 2)
        box.addWidget(self.heading)
        box.addWidget(body, 1)

    def refresh_title(self) -> None:
        """Take the body's `title` attribute if it has one (charts update theirs)."""
        title = getattr(self.body, "title", None)
        if isinstance(title, str):
            self.heading.setText(title)


def tint(token: str, strength: float) -> QColor:
    """The token colour with an alpha of 40–230 for strength 0–1."""
    color = style.qcolor(style.current_theme(), token)
    color.setAlpha(int(40 + 190 * max(0.0, min(1.0, strength))))
    return color


class MonthlyHeatmap(QWidget):
    """Years × months (+ year total) coloured by the compounded monthly return."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table: dict[int, list[float]] = {}
        self.setMinimumHeight(90)

    def set_table(self, table: dict[int, list[float]]) -> None:
        self.table = dict(sorted(table.items()))
        self.setMinimumHeight(40 + 30 * max(1, len(self.table)))
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(560, 40 + 30 * max(1, len(self.table)))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        theme = style.current_theme()
        painter.setFont(style.typography_font(theme, "typography.semantic.caption"))
        label_w, head_h = 48.0, 22.0
        cols = len(MONTHS) + 1
        cell_w = (self.width() - label_w) / cols
        cell_h = min(30.0, (self.height() - head_h) / max(1, len(self.table)))
        scale = self._scale()
        text = style.qcolor(theme, "colors.text.secondary")
        painter.setPen(text)
        for j, name in enumerate((*MONTHS, "Year")):
            painter.drawText(
                QRectF(label_w + j * cell_w, 0, cell_w, head_h), Qt.AlignmentFlag.AlignCenter, name
            )
        for i, (year, row) in enumerate(self.table.items()):
            y = head_h + i * cell_h
            painter.setPen(text)
            painter.drawText(QRectF(0, y, label_w, cell_h), Qt.AlignmentFlag.AlignCenter, str(year))
            for j, value in enumerate(row):
                rect = QRectF(label_w + j * cell_w + 1, y + 1, cell_w - 2, cell_h - 2)
                self._cell(painter, rect, value, scale, bold=j == len(MONTHS))
        painter.end()

    def _scale(self) -> float:
        values = [abs(v) for row in self.table.values() for v in row[:12] if math.isfinite(v)]
        return max(values, default=0.01) or 0.01

    def _cell(
        self, painter: QPainter, rect: QRectF, value: float, scale: float, bold: bool
    ) -> None:
        theme = style.current_theme()
        if not math.isfinite(value):
            painter.fillRect(rect, style.qcolor(theme, "colors.surface.sunken"))
            return
        token = "colors.semantic.profit" if value >= 0 else "colors.semantic.loss"
        painter.fillRect(rect, tint(token, abs(value) / scale))
        painter.setPen(style.qcolor(theme, "colors.text.primary"))
        font = painter.font()
        font.setBold(bold)
        painter.setFont(font)
        # The panel title says "(%)"; whole percent from 10 up so "−17.9" fits the cell.
        text = fmt.percent(value, 0 if abs(value) >= 0.0995 else 1, signed=True).rstrip("%")
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)


GAP_PARTS = (
    ("expected_return", "Expected"),
    ("slippage", "Slippage"),
    ("fees", "Fees"),
    ("missed_fills", "Missed fills"),
    ("remainder", "Remainder"),
    ("live_return", "Live"),
)
GAP_TIPS = (
    "Expected: the backtest's mean growth over the same days.\n"
    "Slippage: beyond the expected bps. Fees: all live fees.\n"
    "Missed fills: fills short of the expected trade rate, at the expected return per fill.\n"
    "Remainder: everything else (signal decay, regime, luck)."
)


class GapWaterfall(QWidget):
    """Expected return → each cost → live return, as horizontal waterfall bars (% of
    the start equity)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.gap: GapDecomposition | None = None
        self.setMinimumHeight(6 * 22 + 4)
        self.setToolTip(GAP_TIPS)

    def set_gap(self, gap: GapDecomposition | None) -> None:
        self.gap = gap
        self.update()

    def steps(self) -> list[tuple[str, float, float]]:
        """(label, bar start, bar end) in return units, top to bottom."""
        if self.gap is None:
            return []
        g = self.gap
        level = g.expected_return
        out = [(GAP_PARTS[0][1], 0.0, level)]
        for key, label in GAP_PARTS[1:5]:
            cost = float(getattr(g, key))
            out.append((label, level, level - cost))
            level -= cost
        out.append((GAP_PARTS[5][1], 0.0, g.live_return))
        return out

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        theme = style.current_theme()
        painter.setFont(style.typography_font(theme, "typography.semantic.caption"))
        steps = self.steps()
        if not steps:
            painter.setPen(style.qcolor(theme, "colors.text.muted"))
            painter.drawText(
                self.rect(),
                Qt.AlignmentFlag.AlignCenter,
                "No expectations: nothing to compare with",
            )
            painter.end()
            return
        self._paint_steps(painter, steps)
        painter.end()

    def _paint_steps(self, painter: QPainter, steps: list[tuple[str, float, float]]) -> None:
        theme = style.current_theme()
        label_w, value_w = 96.0, 72.0
        lo = min(0.0, *(min(a, b) for _, a, b in steps))
        hi = max(0.0, *(max(a, b) for _, a, b in steps))
        span = (hi - lo) or 1e-9
        plot_w = max(10.0, self.width() - label_w - value_w)
        row_h = min(26.0, self.height() / len(steps))

        def x(v: float) -> float:
            return label_w + (v - lo) / span * plot_w

        for i, (label, a, b) in enumerate(steps):
            y = i * row_h
            painter.setPen(style.qcolor(theme, "colors.text.secondary"))
            painter.drawText(
                QRectF(0, y, label_w - 8, row_h),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                label,
            )
            total = i in (0, len(steps) - 1)
            up = b >= a
            token = (
                "colors.chart.line"
                if total
                else ("colors.semantic.profit" if up else "colors.semantic.loss")
            )
            rect = QRectF(min(x(a), x(b)), y + 5, max(1.5, abs(x(b) - x(a))), row_h - 10)
            painter.fillRect(rect, tint(token, 0.85))
            painter.setPen(style.qcolor(theme, "colors.text.primary"))
            value = b if total else b - a
            painter.drawText(
                QRectF(self.width() - value_w, y, value_w, row_h),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                fmt.percent(value, 2, signed=True),
            )
        painter.setPen(style.pen(theme, "colors.chart.baseline"))
        painter.drawLine(int(x(0.0)), 0, int(x(0.0)), int(row_h * len(steps)))


def _deeper(value: object, ref: object) -> bool:
    """A live drawdown deeper than the backtest's (both negative fractions)."""
    return isinstance(value, float) and isinstance(ref, float) and value < ref


def _percent_fmt(*, signed: bool) -> Callable[[float | None], str]:
    return lambda v: fmt.percent(v, 1, signed=signed)


def _expected(result: HistoryAnalysis) -> float | None:
    """What the backtest's growth says the range should have returned."""
    return result.gap.expected_return if result.gap is not None else None


KPIS = (
    ("total", "Total return"),
    ("sharpe", "Sharpe"),
    ("maxdd", "Max drawdown"),
    ("vol", "Volatility"),
    ("alerts", "Alerts (replay)"),
)


class Kpi(QFrame):
    """One headline figure: title, the live value (P/L coloured), the backtest's below."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("kind", "card")
        theme = style.current_theme()
        box = QVBoxLayout(self)
        pad = theme.px("spacing.semantic.md")
        box.setContentsMargins(pad, pad, pad, pad)
        box.setSpacing(2)
        self.title = QLabel(title.upper())
        self.title.setProperty("kind", "caption")
        self.value = QLabel(fmt.DASH)
        self.value.setProperty("kind", "price")
        self.ref = QLabel("")
        self.ref.setProperty("kind", "muted")
        for label in (self.title, self.value, self.ref):
            box.addWidget(label)

    def set(self, value: str, ref: str, pnl: str = "flat") -> None:
        self.value.setText(value)
        self.ref.setText(ref)
        style.set_style_property(self.value, "pnl", pnl)


class KpiStrip(QWidget):
    """The headline figures of the range, live against the backtest."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(style.current_theme().px("spacing.semantic.md"))
        self.cards: dict[str, Kpi] = {}
        for key, title in KPIS:
            self.cards[key] = Kpi(title)
            row.addWidget(self.cards[key], 1)

    def show_result(self, result: HistoryAnalysis) -> None:
        live, bt = result.metrics, result.metrics_backtest
        pairs = {
            "total": (live.get("cumulative_return"), _expected(result), "pct"),
            "sharpe": (shown(live, "sharpe_ratio"), shown(bt, "sharpe_ratio"), "ratio"),
            "maxdd": (live.get("max_drawdown_intraday", live.get("max_drawdown")),
                      bt.get("max_drawdown"), "pct"),
            "vol": (shown(live, "annual_volatility"), shown(bt, "annual_volatility"), "pct"),
        }  # fmt: skip
        for key, (value, ref, kind) in pairs.items():
            show = _percent_fmt(signed=key == "total") if kind == "pct" else fmt.ratio
            if key == "maxdd":
                show = fmt.depth  # a positive depth, as on the cards and Verification
            number = value if isinstance(value, float) else None  # not an Insufficient
            pnl = fmt.pnl_kind(number) if key in ("total", "sharpe") else "flat"
            if key == "maxdd":
                pnl = "loss" if _deeper(value, ref) else "flat"
            label = "expected" if key == "total" else "backtest"
            ref_text = f"{label} {show(ref)}" if ref is not None else ""
            card = self.cards[key]
            card.setToolTip("")
            if isinstance(value, Insufficient):  # "6 days" over "needs 20"; backtest as tip
                card.set(*value.parts())
                card.setToolTip(f"{value} (annualised figure; {ref_text})")
                continue
            card.set(show(value), ref_text, pnl)
        self._label_sharpe(result)
        self._alerts(result)

    def _label_sharpe(self, result: HistoryAnalysis) -> None:
        """This Sharpe is the range's, not the card's (which covers every finished day the
        monitor holds): say which days it covers, so the two figures are not confused."""
        days = result.n_days
        card = self.cards["sharpe"]
        card.title.setText(f"SHARPE ({days} DAYS)")
        if card.toolTip():  # below the minimum sample: the card already says why
            return
        card.setToolTip(
            f"Annualised Sharpe of the {days} daily returns in the chosen range. A dashboard "
            "card's Live Sharpe covers every finished day of the strategy, so it differs "
            "when the range is shorter."
        )

    def _alerts(self, result: HistoryAnalysis) -> None:
        replay = result.replay
        if replay is None:
            self.cards["alerts"].set(fmt.DASH, "not replayed")
            return
        crit = sum(1 for a in replay.fired if a.severity.value == "critical")
        self.cards["alerts"].set(
            fmt.count(replay.alert_count), f"{crit} critical", "loss" if crit else "flat"
        )
