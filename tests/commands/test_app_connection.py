"""Which connection the app uses at start (unit tests of `with_saved_connection`, moved
out of tests/e2e: they start nothing). The Settings screen's saved connection is what
the app connects to on its next start, unless the command line or the environment says
otherwise."""

from __future__ import annotations

from perfdesk.app import AppConfig, with_saved_connection
from perfdesk.desktop_settings import Connection

SAVED = Connection(
    engine_url="wss://engine.example:8443/v1",
    ca_bundle="/etc/perfdesk/ca.pem",
    database="external",
    dsn="postgresql://perfdesk.db.example:5432/perfdesk",
)


def test_saved_connection_fills_what_the_command_line_left_open() -> None:
    config = with_saved_connection(AppConfig(), SAVED)
    assert config.engine_url == "wss://engine.example:8443/v1"
    assert config.dsn == "postgresql://perfdesk.db.example:5432/perfdesk"
    assert config.ca_file == "/etc/perfdesk/ca.pem"


def test_command_line_wins_over_saved_settings() -> None:
    cli = AppConfig(dsn="postgresql://me@localhost/x", engine_url="ws://127.0.0.1:9001")
    config = with_saved_connection(cli, SAVED)
    assert (config.dsn, config.engine_url) == (cli.dsn, cli.engine_url)


def test_embedded_choice_and_empty_fields_leave_defaults() -> None:
    embedded = Connection(database="embedded", dsn="postgresql://ignored@h/x")
    config = with_saved_connection(AppConfig(), embedded)
    assert config.dsn is None and config.engine_url is None and config.ca_file is None


def test_demo_ignores_the_saved_connection() -> None:
    assert with_saved_connection(AppConfig(demo=True), SAVED) == AppConfig(demo=True)
