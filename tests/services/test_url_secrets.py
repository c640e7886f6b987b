"""Secrets in URLs: found, stripped, redacted, and moved to the keyring — never kept."""

from __future__ import annotations

import logging

import pytest

from perfdesk.domain import url_secrets
from perfdesk.services.store.dsn import password_kwargs, redacted, split_password
from perfdesk.services.support import secrets

ENGINE = "wss://user:s3cr3t-pw@engine.example:9000/feed?token=tok-abc-123&strategy=a"


@pytest.mark.parametrize(
    ("url", "clean", "names"),
    [
        (ENGINE, "wss://user@engine.example:9000/feed?strategy=a", {"password", "token"}),
        (
            "postgresql://u@db/p?password=hunter2&sslmode=require",
            "postgresql://u@db/p?sslmode=require",
            {"password"},
        ),
        ("postgresql://u:p%40ss@db/p", "postgresql://u@db/p", {"password"}),
        (
            "ws://h/x?API-Key=k1&apikey=k2&client_secret=c&sig=s&x=1",
            "ws://h/x?x=1",
            {"API-Key", "apikey", "client_secret", "sig"},
        ),
        ("ws://h/x?access_token=t&sslpassword=p", "ws://h/x", {"access_token", "sslpassword"}),
        (
            "wss://engine.example/feed?keys=3&monkey=1",
            "wss://engine.example/feed?keys=3&monkey=1",
            set(),
        ),
        ("postgresql://trader@db:5432/perfdesk", "postgresql://trader@db:5432/perfdesk", set()),
    ],
)
def test_split_finds_every_secret_and_keeps_the_rest(url, clean, names) -> None:
    parts = url_secrets.split(url)
    assert parts.clean == clean
    assert set(parts.secrets) == names
    assert url_secrets.has_secrets(url) == bool(names)


def test_userinfo_password_is_decoded_for_the_keyring() -> None:
    assert url_secrets.split("postgresql://u:p%40ss@db/p").secrets == {"password": "p@ss"}


def test_redact_keeps_the_shape_and_hides_values() -> None:
    shown = url_secrets.redact(ENGINE)
    assert shown == "wss://user:***@engine.example:9000/feed?token=***&strategy=a"
    assert url_secrets.redact("ws://h:notaport/x") == "ws://h:notaport/x"
    assert url_secrets.redact("ws://[broken/x?token=t") == "<unparsable URL>"


def test_dsn_redacted_covers_query_and_key_value_passwords() -> None:
    assert redacted("postgresql://u@db/p?password=hunter2") == "postgresql://u@db/p?password=***"
    assert redacted("postgresql://u:hunter2@db/p") == "postgresql://u:***@db/p"
    assert redacted("host=db user=u password=hunter2 dbname=p") == (
        "host=db user=u password=*** dbname=p"
    )
    assert redacted("host=db password='a b c'") == "host=db password=***"
    assert split_password("postgresql://u@db/p?password=hunter2") == (
        "postgresql://u@db/p",
        "hunter2",
    )


def test_a_dsn_with_a_query_password_asks_no_other_password(memory_keyring, monkeypatch) -> None:
    monkeypatch.setenv("PERFDESK_DB_PASSWORD", "from-env")
    assert password_kwargs("postgresql://u@db/p?password=x") == {}
    assert password_kwargs("postgresql://u@db/p") == {"password": "from-env"}


def test_scrub_hides_secret_values_in_error_texts() -> None:
    text = "cannot reach wss://user:s3cr3t-pw@engine.example:9000/feed?token=tok-abc-123"
    out = url_secrets.scrub(text, ENGINE)
    assert "s3cr3t-pw" not in out and "tok-abc-123" not in out and "engine.example" in out


def test_move_url_secret_stores_it_and_returns_the_clean_url(memory_keyring, caplog) -> None:
    with caplog.at_level(logging.DEBUG):
        clean = secrets.move_url_secret("postgresql://u@db/p?password=hunter2", "db_password")
    assert clean == "postgresql://u@db/p"
    assert memory_keyring.store[("perfdesk", "db_password")] == "hunter2"
    assert "hunter2" not in caplog.text
    with pytest.raises(ValueError, match="2 different secrets") as err:
        secrets.move_url_secret(ENGINE, "engine_token")
    assert "s3cr3t" not in str(err.value)
    same = "wss://u:tok@h/feed?token=tok"
    assert secrets.move_url_secret(same, "engine_token") == "wss://u@h/feed"
    assert memory_keyring.store[("perfdesk", "engine_token")] == "tok"
