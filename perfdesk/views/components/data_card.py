"""Data card: a titled, hoverable panel of labelled figures with an optional body (chart).

Signals: clicked().
Hover follows `effects.semantic.card_hover`: the QSS changes background and border,
and a drop shadow fades in over `effects.semantic_transitions.normal`.
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

    def __init__(self, title: str, parent: QWidget | None = None, columns: int = 2) -> None:
        super().__init__(parent)
        self.setProperty("kind", "card")
        self.setAttribute(Qt.WidgetAttribute.WA_Hover, True)
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
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(
            event.position().toPoint()
        ):
            self.clicked.emit()
        super().mouseReleaseEvent(event)

    def enterEvent(self, event: QEnterEvent) -> None:
        self._hover.fade(True)
        super().enterEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        self._hover.fade(False)
        super().leaveEvent(event)


class _HoverShadow:
    """Animates a drop shadow in and out (only while hovered: shadows cost a repaint)."""

    def __init__(self, card: QFrame) -> None:
        theme = style.current_theme()
        self._card = card
        self._blur = theme.px("effects.semantic.card_hover.shadowBlur")
        self._offset = theme.px("effects.semantic.card_hover.shadowOffsetY")
        self._color = style.qcolor(theme, "effects.semantic.card_hover.shadowColor")
        self._anim = QVariantAnimation(card)
        self._anim.setDuration(theme.ms("effects.semantic_transitions.normal"))
        self._anim.setEasingCurve(QEasingCurve.Type.OutCubic)
        self._anim.valueChanged.connect(self._set_strength)
        self._anim.finished.connect(self._drop_if_gone)

    def fade(self, show: bool) -> None:
        if show and self._card.graphicsEffect() is None:
            effect = QGraphicsDropShadowEffect(self._card)
            effect.setColor(self._color)
            effect.setBlurRadius(0)
            self._card.setGraphicsEffect(effect)
        self._anim.stop()
        start = self._strength()
        if not show and start <= 0.0:
            self._card.setGraphicsEffect(None)  # type: ignore[arg-type]
            return
        self._anim.setStartValue(start)
        self._anim.setEndValue(1.0 if show else 0.0)
        self._anim.start()

    @property
    def visible(self) -> bool:
        return self._card.graphicsEffect() is not None

    def _strength(self) -> float:
        effect = self._card.graphicsEffect()
        return 0.0 if effect is None else effect.blurRadius() / max(1, self._blur)  # type: ignore[attr-defined]

    def _set_strength(self, value: float) -> None:
        effect = self._card.graphicsEffect()
        if isinstance(effect, QGraphicsDropShadowEffect):
            effect.setBlurRadius(self._blur * value)
            effect.setOffset(QPointF(0, self._offset * value))

    def _drop_if_gone(self) -> None:
        if self._anim.endValue() == 0.0:
            self._card.setGraphicsEffect(None)  # type: ignore[arg-type]
