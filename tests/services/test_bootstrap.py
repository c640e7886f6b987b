"""start_backend on a real PostgreSQL: without an engine the app still opens its
database (history, thresholds, reports work) and says how to configure one."""

from __future__ import annotations

from pathlib import Path

from perfdesk.domain.status import FeedState
from perfdesk.services.host.bootstrap import NO_ENGINE, spool_directory, start_backend


async def test_no_engine_configured_opens_the_database_and_says_so(
    db_dsn: str, tmp_path: Path
) -> None:
    backend = await start_backend(db_dsn, None, data_dir=tmp_path)
    try:
        runtime = backend.runtime
        assert runtime.source is None
        assert backend.description.startswith(NO_ENGINE)
        assert runtime.monitor.feed is FeedState.DISCONNECTED
        assert await backend.store.strategies() == []  # the database answers
        assert runtime.spool is not None and runtime.spool.directory.is_relative_to(tmp_path)
    finally:
        await backend.stop()


def test_spool_directories_differ_per_database_and_hide_the_password(tmp_path: Path) -> None:
    a = spool_directory(tmp_path, "postgresql://u:secret@db1/perfdesk")
    b = spool_directory(tmp_path, "postgresql://u:other@db1/perfdesk")
    c = spool_directory(tmp_path, "postgresql://u@db2/perfdesk")
    assert a == b != c  # keyed by the address, never the password
    assert "secret" not in str(a)


async def test_the_backend_description_and_log_hide_url_secrets(
    db_dsn: str, tmp_path: Path, caplog
) -> None:
    import logging

    url = "ws://desk:pw-9f8e7d@127.0.0.1:9/feed?token=tok-5a4b3c"
    with caplog.at_level(logging.INFO):
        backend = await start_backend(db_dsn, url, data_dir=tmp_path)
        await backend.stop()
    assert backend.description.startswith("Engine ws://desk:***@127.0.0.1:9/feed?token=***")
    assert backend.engine_url == "ws://desk:***@127.0.0.1:9/feed?token=***"  # for Settings
    for secret in ("pw-9f8e7d", "tok-5a4b3c"):
        assert secret not in backend.description and secret not in caplog.text
