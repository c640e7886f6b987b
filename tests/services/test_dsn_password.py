"""The database password comes from the environment or the keyring, never the DSN file."""

from __future__ import annotations

import pytest

from perfdesk.services.store.dsn import password_kwargs, redacted


def test_password_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERFDESK_DB_PASSWORD", "s3cret")
    assert password_kwargs("postgresql://perfdesk.db:5432/perfdesk") == {"password": "s3cret"}


def test_a_password_in_the_dsn_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERFDESK_DB_PASSWORD", "other")
    assert password_kwargs("postgresql://perfdesk:inline@db/perfdesk") == {}
    assert (
        redacted("postgresql://perfdesk:inline@db/perfdesk")
        == "postgresql://perfdesk:***@db/perfdesk"
    )


def test_no_password_anywhere_gives_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PERFDESK_DB_PASSWORD", raising=False)
    monkeypatch.setattr("perfdesk.services.support.secrets._keyring_get", lambda _name: None)
    assert password_kwargs("postgresql://perfdesk.db/perfdesk") == {}
