"""Data card: a titled, hoverable panel of labelled figures with an optional body (chart).

Signals: clicked() — queued: it arrives after the mouse-release handler has returned, so
a slot may hide, move or delete the card (switch the page) without pulling the widget
out from under its own event handler (a real click used to crash the app that way).
Hover follows `effects.semantic.card_hover`: the QSS changes background and border,
and a drop shadow fades in over `effects.semantic_transitions.normal`. The shadow
effect is made once and only enabled/disabled: deleting a graphics effect from the
enter/leave events that a page switch sends while the card hides is what crashed Qt.
"""

from __future__ import annotations

from PySide6.QtCore import QEasingCurve, QEvent, QPointF, Qt, QVariantAnimation, Signal
from PySide6.QtGui import QEnterEvent, QMouseEvent
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsDropShadowEffect,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from perfdesk.views.support import style


def set_text(label: QLabel, text: str) -> None:
    """Change a label only when its text differs (each change repaints its card)."""
    if label.text() != text:
        label.setText(text)


class DataCard(QFrame):
    """A card: header (title + trailing widgets), a grid of metrics, then a body."""

    clicked = Signal()
    _released = Signal()  # re-emitted as `clicked` through a queued connection

    def __init__(
        self,
        title: str,
        parent: QWidget | None = None,
        columns: int = 2,
        *,
        clickable: bool = True,
    ) -> None:
        """`clickable=False`: a plain panel (no hover look, no shadow, no clicked())."""
        super().__init__(parent)
        self.clickable = clickable
        self.setProperty("kind", "card" if clickable else "panel")
        self.setAttribute(Qt.WidgetAttribute.WA_Hover, clickable)
        if clickable:
            self.setCursor(Qt.CursorShape.PointingHandCursor)
        theme = style.current_theme()
        self._columns = columns
        self._metrics: dict[str, QLabel] = {}
        self._layout = QVBoxLayout(self)
        pad = theme.px("spacing.semantic.lg")
        self._layout.setContentsMargins(pad, theme.px("spacing.semantic.md"), pad, pad)
        self._layout.setSpacing(theme.px("spacing.semantic.sm"))
        self._header = QHBoxLayout()
        self.title_label = QLabel(title)
        self.title_label.setProperty("kind", "title")
        self._header.addWidget(self.title_label, 1)
        self._layout.addLayout(self._header)
        self._grid = QGridLayout()
        for c in range(columns):
            self._grid.setColumnStretch(c, 1)
        self._grid.setHorizontalSpacing(theme.px("spacing.semantic.xl"))
        self._grid.setVerticalSpacing(theme.px("spacing.semantic.2xs"))
        self._layout.addLayout(self._grid)
        self._hover = _HoverShadow(self)
        # Queued: the slot runs from the event loop once mouseReleaseEvent has returned;
        # a card deleted meanwhile drops the pending call (Qt disconnects it).
        self._released.connect(self.clicked, Qt.ConnectionType.QueuedConnection)

    def set_title(self, text: str) -> None:
        set_text(self.title_label, text)

    def add_header_widget(self, widget: QWidget) -> None:
        self._header.addWidget(widget, 0, Qt.AlignmentFlag.AlignVCenter)

    def add_metric(self, key: str, caption: str, kind: str = "figure") -> QLabel:
        """Add a caption over a value; `kind` is a typography role ("figure", "price")."""
        index = len(self._metrics)
        row, col = divmod(index, self._columns)
        cap = QLabel(caption.upper())
        cap.setProperty("kind", "caption")
        value = QLabel("—")
        value.setProperty("kind", kind)
        # New text must not re-layout the card (and resize its chart) on every update.
        value.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        value.setMinimumWidth(0)
        value.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self._grid.addWidget(cap, row * 2, col)
        self._grid.addWidget(value, row * 2 + 1, col)
        self._metrics[key] = value
        return value

    def metric_label(self, key: str) -> QLabel:
        return self._metrics[key]

    def set_metric(self, key: str, text: str, pnl: str | None = None) -> None:
        """Show `text`; `pnl` ("profit"/"loss"/"flat") colours it by the P/L tokens."""
        label = self._metrics[key]
        set_text(label, text)
        if pnl is not None:
            style.set_style_property(label, "pnl", pnl)

    def set_body(self, widget: QWidget, stretch: int = 1) -> None:
        self._layout.addWidget(widget, stretch)

    def add_footer(self, widget: QWidget) -> None:
        self._layout.addWidget(widget)

    def add_stretch(self) -> None:
        """Keep the figures at the top when the card is taller than its content."""
        self._layout.addStretch(1)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        inside = self.rect().contains(event.position().toPoint())
        if self.clickable and event.button() == Qt.MouseButton.LeftButton and inside:
            self._released.emit()
        super().mouseReleaseEvent(event)

    def enterEvent(self, event: QEnterEvent) -> None:
        if self.clickable:
            self._hover.fade(True)
        super().enterEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        self._hover.fade(False)
        super().leaveEvent(event)


class _HoverShadow:
    """Animates a drop shadow in and out. The effect lives as long as the card and is
    disabled while not hovered (a disabled effect costs nothing to paint); it is never
    deleted from an event handler."""

    def __init__(self, card: QFrame) -> None:
        theme = style.current_theme()
        self._card = card
        self._blur = theme.px("effects.semantic.card_hover.shadowBlur")
        self._offset = theme.px("effects.semantic.card_hover.shadowOffsetY")
        self._effect = QGraphicsDropShadowEffect(card)
        self._effect.setColor(style.qcolor(theme, "effects.semantic.card_hover.shadowColor"))
        self._effect.setBlurRadius(0)
        self._effect.setOffset(QPointF(0, 0))
        self._effect.setEnabled(False)
        card.setGraphicsEffect(self._effect)
        self._anim = QVariantAnimation(card)
        self._anim.setDuration(theme.ms("effects.semantic_transitions.normal"))
        self._anim.setEasingCurve(QEasingCurve.Type.OutCubic)
        self._anim.valueChanged.connect(self._set_strength)
        self._anim.finished.connect(self._disable_if_gone)

    def fade(self, show: bool) -> None:
        self._anim.stop()
        start = self._strength()
        if not show and start <= 0.0:
            self._effect.setEnabled(False)
            return
        if show:
            self._effect.setEnabled(True)
        self._anim.setStartValue(start)
        self._anim.setEndValue(1.0 if show else 0.0)
        self._anim.start()

    @property
    def visible(self) -> bool:
        return self._effect.isEnabled()

    def _strength(self) -> float:
        return self._effect.blurRadius() / max(1, self._blur)

    def _set_strength(self, value: float) -> None:
        self._effect.setBlurRadius(self._blur * value)
        self._effect.setOffset(QPointF(0, self._offset * value))

    def _disable_if_gone(self) -> None:
        if self._anim.endValue() == 0.0:
            self._effect.setEnabled(False)
