"""Fixtures for the views: a themed QApplication, the qasync loop for async tests, data."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import qasync
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from views_factories import FakeSource

from perfdesk.views.support.style import apply_theme


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> dict[str, Callable[[], object]]:
    """Async view tests run on the qasync loop, as the app does (Qt events keep flowing)."""

    def make() -> qasync.QEventLoop:
        app = QApplication.instance() or QApplication([])
        return qasync.QEventLoop(app, already_running=False)

    return {"qasync": make}


@pytest.fixture(autouse=True)
def themed(qapp: QApplication, tmp_path_factory: pytest.TempPathFactory) -> QApplication:
    """Dark theme, and QSettings() writing to a throwaway folder (never the user's)."""
    folder = tmp_path_factory.mktemp("qsettings")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    apply_theme(qapp, "dark", "standard", "green_up")
    return qapp


@pytest.fixture
def source() -> FakeSource:
    return FakeSource()
