"""Secrets come from the environment, then the keyring; values are never logged."""

from __future__ import annotations

import logging

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import NoKeyringError, PasswordDeleteError

from perfdesk.services.support import secrets


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.store.get((service, username))

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def delete_password(self, service, username):
        if self.store.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


class NoKeyring(MemoryKeyring):
    def get_password(self, service, username):
        raise NoKeyringError("no backend")


@pytest.fixture
def memory_keyring():
    before = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(before)


def test_environment_wins_over_keyring(memory_keyring, monkeypatch):
    secrets.set_secret("engine_token", "from-keyring")
    assert secrets.get_secret("engine_token") == "from-keyring"
    monkeypatch.setenv("PERFDESK_ENGINE_TOKEN", "from-env")
    assert secrets.get_secret("engine_token") == "from-env"


def test_missing_everywhere_is_none_and_delete_is_idempotent(memory_keyring, monkeypatch):
    monkeypatch.delenv("PERFDESK_DB_PASSWORD", raising=False)
    assert secrets.get_secret("db_password") is None
    secrets.set_secret("db_password", "pw")
    secrets.delete_secret("db_password")
    secrets.delete_secret("db_password")
    assert secrets.get_secret("db_password") is None


def test_no_keyring_backend_is_not_an_error_and_value_never_logged(monkeypatch, caplog):
    before = keyring.get_keyring()
    keyring.set_keyring(NoKeyring())
    try:
        monkeypatch.delenv("PERFDESK_ENGINE_TOKEN", raising=False)
        with caplog.at_level(logging.DEBUG):
            assert secrets.get_secret("engine_token") is None
        assert "PERFDESK_ENGINE_TOKEN" in caplog.text
        monkeypatch.setenv("PERFDESK_ENGINE_TOKEN", "tok-123-secret")
        with caplog.at_level(logging.DEBUG):
            assert secrets.get_secret("engine_token") == "tok-123-secret"
        assert "tok-123-secret" not in caplog.text
    finally:
        keyring.set_keyring(before)


def test_bad_names_are_refused():
    with pytest.raises(ValueError, match="secret name"):
        secrets.get_secret("../etc")
    assert secrets.env_var("engine_token") == "PERFDESK_ENGINE_TOKEN"
