"""A synthetic two-strategy report built once per session (pure: no DB, no Qt)."""

from __future__ import annotations

import pytest

from perfdesk.reports.model import Report
from perfdesk.testing.sample_report import sample_report


@pytest.fixture(scope="session")
def desk_report() -> Report:
    return sample_report((("trend-healthy", False), ("meanrev-decay", True)), days=120)


@pytest.fixture(scope="session")
def single_report() -> Report:
    return sample_report((("carry-break", True),), days=120)
