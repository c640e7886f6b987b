"""Dashboard: a summary strip, a filter, and a responsive grid of strategy cards.

Signals: strategy_activated(str strategy_id) — a card was clicked (the window opens its
drill-down page).
The filter keeps the cards whose name, id, status, state or feed contains every word
typed ("critical", "fx stale"); it re-applies as statuses change.
`show_snapshots` is called by the window's refresh timer (~15 Hz); each card repaints
only when its snapshot's version changed, and charts are redrawn in staggered groups.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QFontMetrics, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from perfdesk.domain.snapshot import StrategySnapshot
from perfdesk.domain.status import Status
from perfdesk.theme.theme import Theme
from perfdesk.views.components.data_card import set_text
from perfdesk.views.components.scroll_column import ScrollColumn
from perfdesk.views.dashboard.strategy_card import StrategyCard
from perfdesk.views.support import fmt, style

TILE_WIDTH = {"count": 110, "equity": 230, "pnl": 210, "health": 280}
CHART_PHASES = 3
"""With more cards than this, each refresh tick redraws the charts of one third of them
(numbers and badges update every tick): at 15 Hz every chart still moves 5x a second."""


def card_min_width(theme: Theme) -> int:
    """The token's minimum, or wider: a card's two figure columns each hold a price such as
    "−999,999.99" or "9,999,999.99" in the price font, never cut off."""
    price = QFontMetrics(style.typography_font(theme, "typography.semantic.price"))
    column = price.horizontalAdvance("9,999,999.99")
    pad, gap = theme.px("spacing.semantic.lg"), theme.px("spacing.semantic.xl")
    return max(theme.px("size.card_min_width"), 2 * column + gap + 2 * pad + 2)


class SummaryStrip(QFrame):
    """Desk totals: strategies, equity, today's P&L, and how many are in each status."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("kind", "panel")
        theme = style.current_theme()
        self._grid = QGridLayout(self)
        pad = theme.px("spacing.semantic.lg")
        self._grid.setContentsMargins(
            pad, theme.px("spacing.semantic.md"), pad, theme.px("spacing.semantic.md")
        )
        self._grid.setHorizontalSpacing(theme.px("spacing.semantic.2xl"))
        self._grid.setVerticalSpacing(theme.px("spacing.semantic.md"))
        self.values: dict[str, QLabel] = {}
        self.tiles = [
            self._tile(key, caption)
            for key, caption in (
                ("count", "Strategies"),
                ("equity", "Total equity"),
                ("pnl", "Today's P&L"),
                ("health", "Verification"),
            )
        ]
        self.columns = 0
        self.set_columns(len(self.tiles))

    def one_row_width(self) -> int:
        """The width the four tiles need side by side."""
        margins = self._grid.contentsMargins()
        gaps = self._grid.horizontalSpacing() * (len(self.tiles) - 1)
        return sum(TILE_WIDTH.values()) + gaps + margins.left() + margins.right()

    def fit(self, width: int) -> None:
        """Four tiles in a row where they fit, else two rows of two (a 1024 px window)."""
        self.set_columns(len(self.tiles) if width >= self.one_row_width() else 2)

    def set_columns(self, columns: int) -> None:
        if columns == self.columns:
            return
        self.columns = columns
        for tile in self.tiles:
            self._grid.removeWidget(tile)
        for i, tile in enumerate(self.tiles):
            self._grid.addWidget(tile, i // columns, i % columns)
        for c in range(len(self.tiles) + 1):
            self._grid.setColumnStretch(c, 0)
        self._grid.setColumnStretch(columns, 1)  # the tiles keep to the left

    def _tile(self, key: str, caption: str) -> QWidget:
        tile = QWidget()
        box = QVBoxLayout(tile)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        cap = QLabel(caption.upper())
        cap.setProperty("kind", "caption")
        value = QLabel("—")
        value.setProperty("kind", "price" if key in ("equity", "pnl") else "title")
        # Fixed width: a changing figure must not re-layout (and repaint) the whole page.
        value.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        value.setFixedWidth(TILE_WIDTH.get(key, 120))
        # Every value in the price line's height, so all captions and values line up.
        price = style.current_theme().typography("typography.semantic.price")
        value.setFixedHeight(round(price.size_px * price.line_height) + 2)
        value.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        box.addWidget(cap)
        box.addWidget(value)
        self.values[key] = value
        return tile

    def show_totals(self, snaps: Mapping[str, StrategySnapshot]) -> None:
        equity = sum(s.equity or 0.0 for s in snaps.values())
        pnl = sum(s.pnl_today for s in snaps.values())
        statuses = [
            s.verdict.status if s.verdict else Status.INSUFFICIENT_DATA for s in snaps.values()
        ]
        crit = statuses.count(Status.CRITICAL)
        warn = statuses.count(Status.WARNING)
        ok = statuses.count(Status.OK)
        set_text(self.values["count"], fmt.count(len(snaps)))
        set_text(self.values["equity"], fmt.money(equity))
        set_text(self.values["pnl"], fmt.signed_money(pnl))
        style.set_style_property(self.values["pnl"], "pnl", fmt.pnl_kind(pnl))
        set_text(self.values["health"], f"{crit} critical · {warn} warning · {ok} ok")
        waiting = len(statuses) - crit - warn - ok
        self.values["health"].setToolTip(
            f"{waiting} without enough data yet" if waiting else "Every strategy has a verdict"
        )


class DashboardView(ScrollColumn):
    """The strategy grid. `cards` maps strategy_id to its card."""

    strategy_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        theme = style.current_theme()
        gap = theme.px("spacing.semantic.lg")
        margin = theme.px("spacing.semantic.xl")
        super().__init__(margins=(margin,) * 4, spacing=gap, parent=parent)
        self.cards: dict[str, StrategyCard] = {}
        self._min_width = card_min_width(theme)
        self._margin = margin
        self._gap = gap
        outer = self.column
        self.summary = SummaryStrip()
        outer.addWidget(self.summary)
        self.empty_label = QLabel(
            "No strategies yet: each one appears here with its first event from the engine "
            "(the engine's address is in Settings › Connection)."
        )
        self.empty_label.setProperty("kind", "muted")
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        outer.addWidget(self.empty_label)
        outer.addLayout(self._filter_row())
        self._grid = QGridLayout()
        self._grid.setSpacing(self._gap)
        outer.addLayout(self._grid)
        outer.addStretch(1)
        self._columns = 0
        self._tick = 0
        self._shown: list[str] = []

    def _filter_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter by name or status (e.g. critical, stale)…")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setMaximumWidth(420)
        self.filter_edit.textChanged.connect(lambda _text: self._refilter())
        self.filter_edit.hide()  # shown with the first card
        self.filter_note = QLabel()
        self.filter_note.setProperty("kind", "muted")
        row.addWidget(self.filter_edit, 1)
        row.addWidget(self.filter_note)
        row.addStretch(1)
        return row

    def matches(self, card: StrategyCard) -> bool:
        """Every word of the filter appears in the card's name, id, status, state or feed."""
        words = self.filter_edit.text().casefold().split()
        if not words:
            return True
        haystack = " ".join(
            (card.title_label.text(), card.strategy_id, card.badge.text(), card.state.text(),
             card.feed.text())
        ).casefold()  # fmt: skip
        return all(w in haystack for w in words)

    def shown_ids(self) -> list[str]:
        """The cards the filter keeps, in grid order."""
        return [sid for sid in sorted(self.cards) if self.matches(self.cards[sid])]

    def _refilter(self) -> None:
        shown = self.shown_ids()
        if shown != self._shown:
            self._relayout(force=True)
        total = len(self.cards)
        filtering = bool(self.filter_edit.text().strip())
        note = f"{len(shown)} of {total} shown" if filtering else ""
        if filtering and not shown and total:
            note = f"No strategy matches “{self.filter_edit.text().strip()}”"
        set_text(self.filter_note, note)

    def show_snapshots(self, snaps: Mapping[str, StrategySnapshot]) -> int:
        """Sync cards with `snaps`; returns how many cards repainted."""
        now = datetime.now(UTC)
        added = [sid for sid in snaps if sid not in self.cards]
        for sid in added:
            self._add_card(sid)
        gone = [sid for sid in self.cards if sid not in snaps]
        for sid in gone:
            self.cards.pop(sid).deleteLater()
        if added or gone:
            self._relayout(force=True)
            self.empty_label.setVisible(not self.cards)
            self.filter_edit.setVisible(bool(self.cards))  # nothing to filter yet
        self._tick += 1
        order = sorted(self.cards)
        changed = sum(
            self.cards[sid].show_snapshot(snaps[sid], now, chart=self._chart_turn(i))
            for i, sid in enumerate(order)
        )
        if changed or gone:  # a strategy removed changes the totals too
            self.summary.show_totals(snaps)
        if changed and self.filter_edit.text().strip():
            self._refilter()  # a status changed: the filter may keep other cards now
        return changed

    def _chart_turn(self, index: int) -> bool:
        """Charts redraw in CHART_PHASES staggered groups: each tick paints only one group,
        so no single repaint of many charts stalls the event loop."""
        return len(self.cards) <= CHART_PHASES or index % CHART_PHASES == self._tick % CHART_PHASES

    def _add_card(self, strategy_id: str) -> None:
        card = StrategyCard(strategy_id)
        card.activated.connect(self.strategy_activated)
        self.cards[strategy_id] = card

    def _relayout(self, force: bool = False) -> None:
        self.summary.fit(self.viewport().width() - 2 * self._margin)
        usable = self.viewport().width() - 2 * self._gap
        columns = max(1, (usable + self._gap) // (self._min_width + self._gap))
        if columns == self._columns and not force:
            return
        self._columns = columns
        for card in self.cards.values():
            self._grid.removeWidget(card)
        self._shown = self.shown_ids()
        for sid, card in self.cards.items():
            card.setVisible(sid in self._shown)
        for i, sid in enumerate(self._shown):
            self._grid.addWidget(
                self.cards[sid], i // columns, i % columns, Qt.AlignmentFlag.AlignTop
            )
        for c in range(max(columns, self._grid.columnCount())):
            self._grid.setColumnStretch(c, 1 if c < columns else 0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._relayout()

    def viewportEvent(self, event: QEvent) -> bool:
        """The viewport narrows when the vertical scroll bar appears (the area itself keeps
        its size): the cards re-flow then too, rather than scroll sideways."""
        handled = super().viewportEvent(event)
        if event.type() == QEvent.Type.Resize:
            self._relayout()
        return handled
