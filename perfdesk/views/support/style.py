"""Apply design tokens to Qt: style sheet, QPalette, fonts, and pens for charts.

`apply_theme(app, ...)` is called once at start and again when the user changes the
theme; widgets that paint themselves (charts, delegates) read `current_theme()` and
listen to `theme_manager().changed`. Everything here runs on the GUI thread.
"""

from __future__ import annotations

import getpass
import hashlib
import logging
import tempfile
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette, QPen
from PySide6.QtWidgets import QApplication, QWidget

from perfdesk.desktop_settings import Appearance
from perfdesk.theme import paths, qss
from perfdesk.theme.theme import Theme, load_theme
from perfdesk.theme.tokens import PnlConvention

log = logging.getLogger(__name__)
SYSTEM = "system"


class ThemeManager(QObject):
    """Holds the applied theme. Signals: changed(Theme)."""

    changed = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("perfdesk-theme-manager")
        self.theme: Theme = load_theme("dark")
        self.requested = "dark"
        self.variant = "standard"
        self.convention = PnlConvention.GREEN_UP


def configure_high_dpi() -> None:
    """Call before creating the QApplication: scale by the screen's exact DPI factor.

    Qt 6 always scales; PassThrough keeps fractional factors (125 %, 150 %) instead of
    rounding them, so token sizes (logical px) look the same size on every screen.
    """
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )


def theme_manager() -> ThemeManager:
    """The application's ThemeManager (created on first use, parented to the app)."""
    app = QApplication.instance()
    found = app.findChild(ThemeManager, "perfdesk-theme-manager") if app else None
    if found is None:
        found = ThemeManager(app)
    return found


def current_theme() -> Theme:
    return theme_manager().theme


def system_scheme() -> str:
    """ "dark" or "light" as the desktop reports it (dark when it does not say)."""
    hints = QGuiApplication.styleHints()
    return "light" if hints.colorScheme() == Qt.ColorScheme.Light else "dark"


def apply_theme(
    app: QCoreApplication,
    theme: str = "dark",
    variant: str | None = None,
    convention: PnlConvention | str | None = None,
) -> Theme:
    """Style the whole app from tokens. `theme` is "dark", "light" or "system".

    `variant` ("standard"/"colorblind") and `convention` keep their current values
    when not given, so switching only the theme keeps the user's palette choices."""
    if not isinstance(app, QApplication):
        raise TypeError("apply_theme needs a QApplication (widgets), not a core application")
    manager = theme_manager()
    variant = variant if variant is not None else manager.variant
    convention = PnlConvention(convention if convention is not None else manager.convention)
    manager.requested, manager.variant, manager.convention = theme, variant, convention
    resolved = load_theme(system_scheme() if theme == SYSTEM else theme, variant, convention)
    manager.theme = resolved
    _restyle(app, resolved)
    pg.setConfigOptions(background=resolved.color("colors.chart.background"), antialias=True)
    if not app.property("perfdesk-follows-system"):
        app.setProperty("perfdesk-follows-system", True)
        QGuiApplication.styleHints().colorSchemeChanged.connect(lambda _: _follow_system(app))
    manager.changed.emit(resolved)
    return resolved


def _restyle(app: QApplication, theme: Theme) -> None:
    """Set palette, font and style sheet, each only if it differs (re-polishing is costly)."""
    palette, font, sheet = make_palette(theme), app_font(theme), stylesheet(theme)
    if app.palette() != palette:
        app.setPalette(palette)
    if app.font() != font:
        app.setFont(font)
    if app.styleSheet() != sheet:
        app.setStyleSheet(sheet)


def apply_appearance(app: QCoreApplication, appearance: Appearance) -> Theme:
    """apply_theme from the Settings screen's Appearance group."""
    return apply_theme(app, appearance.theme, appearance.palette, appearance.pnl_convention)


def _follow_system(app: QApplication) -> None:
    manager = theme_manager()
    if manager.requested == SYSTEM:
        apply_theme(app, SYSTEM, manager.variant, manager.convention)


def stylesheet(theme: Theme) -> str:
    """The committed resources/tokens*.qss when it matches the choice (else rendered from
    the templates), plus the icon rules."""
    committed = paths.generated_qss(theme.name)
    if theme.variant == "standard" and theme.convention is PnlConvention.GREEN_UP:
        try:
            return committed.read_text(encoding="utf-8") + icon_rules(theme)
        except OSError:
            log.warning("%s missing; rendering the style sheet from templates", committed)
    return qss.render_stylesheet(theme) + icon_rules(theme)


_CHEVRON = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" viewBox="0 0 10 10">'
    '<path d="M1.5 3.5 L5 7 L8.5 3.5" fill="none" stroke="{color}" stroke-width="1.6" '
    'stroke-linecap="round" stroke-linejoin="round"/></svg>'
)
_CHEVRON_UP = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" viewBox="0 0 10 10">'
    '<path d="M1.5 6.5 L5 3 L8.5 6.5" fill="none" stroke="{color}" stroke-width="1.6" '
    'stroke-linecap="round" stroke-linejoin="round"/></svg>'
)
_CHECK = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="14" height="14" viewBox="0 0 14 14">'
    '<path d="M3 7.2 L5.8 10 L11 4" fill="none" stroke="{color}" stroke-width="2" '
    'stroke-linecap="round" stroke-linejoin="round"/></svg>'
)


def _icon_file(template: str, color: str) -> str:
    """Write the SVG in `color` (once) to a per-user cache folder; its path, for url()."""
    folder = Path(tempfile.gettempdir()) / f"perfdesk-icons-{getpass.getuser()}"
    svg = template.format(color=color[:7])
    path = folder / f"{hashlib.sha1(svg.encode()).hexdigest()[:12]}.svg"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(svg, encoding="utf-8")
    return path.as_posix()


def icon_rules(theme: Theme) -> str:
    """QSS for the combo-box chevron, the spin-box arrows and the check mark, in this
    theme's colours (a spin box's arrows get a column of their own: never clipped)."""
    try:
        chevron = _icon_file(_CHEVRON, theme.color("colors.text.secondary"))
        chevron_up = _icon_file(_CHEVRON_UP, theme.color("colors.text.secondary"))
        check = _icon_file(_CHECK, theme.color("colors.text.on_accent"))
    except OSError as exc:  # no writable temp folder: Qt's own arrow / a filled box
        log.warning("could not write the style's icons: %s", exc)
        return ""
    return (
        "\nQComboBox::down-arrow, QDateTimeEdit::down-arrow "
        f"{{ image: url({chevron}); width: 10px; height: 10px; }}\n"
        f"QToolButton::menu-indicator {{ image: url({chevron}); width: 10px; height: 10px; }}\n"
        "QCheckBox::indicator:checked, QAbstractItemView::indicator:checked "
        f"{{ image: url({check}); }}\n" + _spin_rules(theme, chevron, chevron_up)
    )


def _spin_rules(theme: Theme, down: str, up: str) -> str:
    border = theme.color("colors.border.default")
    button = (
        "subcontrol-origin: border; width: 18px; border: none; "
        f"border-left: 1px solid {border}; background: transparent;"
    )
    return (
        "QAbstractSpinBox { padding-right: 22px; }\n"
        f"QAbstractSpinBox::up-button {{ subcontrol-position: top right; {button} }}\n"
        f"QAbstractSpinBox::down-button {{ subcontrol-position: bottom right; {button} }}\n"
        f"QAbstractSpinBox::up-arrow {{ image: url({up}); width: 8px; height: 8px; }}\n"
        f"QAbstractSpinBox::down-arrow {{ image: url({down}); width: 8px; height: 8px; }}\n"
        "QAbstractSpinBox::up-arrow:disabled, QAbstractSpinBox::down-arrow:disabled "
        "{ image: none; }\n"
        'QDateTimeEdit[calendarPopup="true"] { padding-right: 4px; }\n'
    )


def qcolor(theme: Theme, path: str) -> QColor:
    r, g, b, a = theme.rgba(path)
    return QColor(r, g, b, a)


def pen(
    theme: Theme, path: str, width: float = 1.0, style: Qt.PenStyle = Qt.PenStyle.SolidLine
) -> QPen:
    """A cosmetic pen (width in screen px whatever the zoom: 1 px keeps big plots fast)."""
    result = QPen(qcolor(theme, path), width, style)
    result.setCosmetic(True)
    return result


def app_font(theme: Theme) -> QFont:
    body = theme.typography("typography.semantic.body")
    return font_for(body.families, body.size_px, body.weight)


def font_for(families: tuple[str, ...], size_px: int, weight: int) -> QFont:
    font = QFont()
    font.setFamilies(list(families))
    font.setPixelSize(size_px)
    font.setWeight(QFont.Weight(weight))
    font.setStyleHint(QFont.StyleHint.SansSerif)
    return font


def typography_font(theme: Theme, path: str) -> QFont:
    style = theme.typography(path)
    return font_for(style.families, style.size_px, style.weight)


def make_palette(theme: Theme) -> QPalette:
    """QPalette roles from tokens, so native-drawn parts match the style sheet."""
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: "colors.surface.base",
        QPalette.ColorRole.WindowText: "colors.text.primary",
        QPalette.ColorRole.Base: "colors.surface.sunken",
        QPalette.ColorRole.AlternateBase: "colors.surface.alternate",
        QPalette.ColorRole.Text: "colors.text.primary",
        QPalette.ColorRole.Button: "colors.surface.raised",
        QPalette.ColorRole.ButtonText: "colors.text.primary",
        QPalette.ColorRole.BrightText: "colors.text.on_accent",
        QPalette.ColorRole.Highlight: "colors.accent.default",
        QPalette.ColorRole.HighlightedText: "colors.text.on_accent",
        QPalette.ColorRole.ToolTipBase: "colors.surface.header",
        QPalette.ColorRole.ToolTipText: "colors.text.primary",
        QPalette.ColorRole.PlaceholderText: "colors.text.muted",
        QPalette.ColorRole.Link: "colors.accent.hover",
        QPalette.ColorRole.Mid: "colors.border.default",
        QPalette.ColorRole.Dark: "colors.border.strong",
        QPalette.ColorRole.Light: "colors.surface.hover",
    }
    for role, path in roles.items():
        palette.setColor(role, qcolor(theme, path))
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, qcolor(theme, "colors.text.disabled"))
    return palette


def set_style_property(widget: QWidget, name: str, value: str) -> None:
    """Set a dynamic property used by QSS selectors; re-polish only when it changed.

    The children are re-polished too: a rule such as `QFrame[severity="warning"] QLabel`
    styles them by their parent's property (the banner's label would otherwise keep the
    colour of the severity it showed before)."""
    if widget.property(name) == value:
        return
    widget.setProperty(name, value)
    style = widget.style()
    for target in (widget, *widget.findChildren(QWidget)):
        style.unpolish(target)
        style.polish(target)
