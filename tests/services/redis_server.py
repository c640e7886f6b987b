"""A real redis-server on a free loopback port for a test (perfdesk/bench/_redis.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from perfdesk.bench._redis import redis_server


@pytest.fixture
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url
