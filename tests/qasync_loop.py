"""The qasync loop factory for async tests that drive Qt widgets, as the app does."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import qasync
from PySide6.QtWidgets import QApplication


def qasync_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> dict[str, Callable[[], object]]:
    """For `pytest_asyncio_loop_factories`: Qt events keep flowing while tests await."""

    def make() -> qasync.QEventLoop:
        app = QApplication.instance() or QApplication([])
        return qasync.QEventLoop(app, already_running=False)

    return {"qasync": make}
