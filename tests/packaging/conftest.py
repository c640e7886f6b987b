"""The `bundle` marker: building the PyInstaller bundle takes minutes, so it is opt-in.

Run it with `pytest -m bundle tests/packaging` or PERFDESK_TEST_BUNDLE=1.
"""

from __future__ import annotations

import os

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "bundle: builds the PyInstaller bundle and starts it (minutes); run with `-m bundle`"
        " or PERFDESK_TEST_BUNDLE=1",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    wanted = "bundle" in (config.getoption("markexpr") or "")
    if wanted or os.environ.get("PERFDESK_TEST_BUNDLE") == "1":
        return
    skip = pytest.mark.skip(reason="builds the bundle (minutes): run with `-m bundle`")
    for item in items:
        if "bundle" in item.keywords:
            item.add_marker(skip)
