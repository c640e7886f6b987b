"""Window layout kept between runs in QSettings: geometry, page, splitters, table columns.

Table columns are stored by column key (not position), so a layout saved before a
rule column existed still applies, and widths of columns that appear later (a new
rule) are applied when they appear.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Protocol

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QSplitter

from perfdesk.views.components.data_table import DataTable


class MainWindow(Protocol):
    """What the layout is read from and applied to (the shell's main window)."""

    verification: Any
    thresholds: Any
    pages: Any
    navigation: Any

    def saveGeometry(self) -> QByteArray: ...
    def saveState(self, version: int = ...) -> QByteArray: ...
    def restoreGeometry(self, geometry: QByteArray | bytes) -> bool: ...
    def restoreState(self, state: QByteArray | bytes, version: int = ...) -> bool: ...
    def current_page(self) -> str: ...
    def show_page(self, key: str) -> None: ...


log = logging.getLogger(__name__)


def _splitters(window: MainWindow) -> dict[str, QSplitter]:
    return {
        "verification": window.verification.splitter,
        "thresholds": window.thresholds.splitter,
        "thresholds-side": window.thresholds.side_splitter,
    }


def _tables(window: MainWindow) -> dict[str, DataTable]:
    return {
        # "-v2": the widths saved before the narrow rule columns would bring back the
        # sideways scroll at 1440 px, so the table starts from its new widths once.
        "verification-v2": window.verification.table,
        "evidence": window.verification.detail.evidence_table,
        "versions": window.thresholds.version_table,
    }


def save(window: MainWindow, store: QSettings) -> None:
    store.setValue("window/geometry", window.saveGeometry())
    store.setValue("window/state", window.saveState())
    store.setValue("window/page", window.current_page())
    for name, splitter in _splitters(window).items():
        store.setValue(f"splitter/{name}", splitter.saveState())
    for name, table in _tables(window).items():
        store.setValue(f"table/{name}", json.dumps(table.layout_state()))
    store.sync()


def restore(window: MainWindow, store: QSettings) -> None:
    """Apply what was saved; anything missing or unreadable keeps its default."""
    for key, apply in (
        ("window/geometry", window.restoreGeometry),
        ("window/state", window.restoreState),
    ):
        value = store.value(key)
        if value is not None:
            apply(value)
    for name, splitter in _splitters(window).items():
        value = store.value(f"splitter/{name}")
        if value is not None:
            splitter.restoreState(value)
    for name, table in _tables(window).items():
        table.restore_layout(_json(store.value(f"table/{name}")))
    restore_page(window, store)


def restore_page(window: MainWindow, store: QSettings) -> None:
    """The last screen, if it exists (History and Reports arrive once the backend is up:
    the app calls this again then)."""
    page = store.value("window/page")
    if isinstance(page, str) and page in window.navigation.buttons and page in window.pages:
        # a sidebar page (not a drill-down) that has arrived (not only reserved)
        window.show_page(page)


def _json(value: Any) -> dict[str, Any]:
    if not isinstance(value, str):
        return {}
    try:
        data = json.loads(value)
    except json.JSONDecodeError:
        log.warning("ignoring an unreadable saved table layout")
        return {}
    return data if isinstance(data, dict) else {}
