"""Render packaging/icons/perfdesk.svg to the PNG sizes desktops and PyInstaller use.

Run after changing the SVG: `QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/make_icons.py`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parent / "icons"
SIZES = (16, 32, 48, 64, 128, 256, 512)


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv)
    renderer = QSvgRenderer(str(ICONS / "perfdesk.svg"))
    if not renderer.isValid():
        print("perfdesk.svg is not a valid SVG", file=sys.stderr)
        return 1
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        renderer.render(painter)
        painter.end()
        image.save(str(ICONS / f"perfdesk-{size}.png"))
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
