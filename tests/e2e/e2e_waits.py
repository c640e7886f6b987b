"""Waiting on a live demo backend from an e2e test (the event loop keeps running)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest


async def until(condition: Callable[[], bool], limit_s: float, what: str) -> None:
    """Return once `condition()` holds; fail the test after `limit_s` seconds."""
    deadline = time.monotonic() + limit_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {limit_s} s waiting for {what}")
        await asyncio.sleep(0.1)
