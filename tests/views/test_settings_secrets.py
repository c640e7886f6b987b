"""No secret reaches the settings file or the log: refused at the field, moved to the
keyring on request, scrubbed from a file that already holds one."""

from __future__ import annotations

import logging

from PySide6.QtCore import QSettings, Qt
from views_factories import until

from perfdesk.views.settings import settings_store
from perfdesk.views.settings.settings_view import SettingsView

DSN = "postgresql://trader@db:5432/perfdesk?password=hunter2-pw&sslmode=require"
ENGINE = "wss://desk:s3cr3t-pw@engine.example:9000/feed?token=s3cr3t-pw"
SECRETS = ("hunter2-pw", "s3cr3t-pw")


def _store(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)


def _file_has_no_secret(tmp_path) -> str:
    text = (tmp_path / "s.ini").read_text()
    assert not any(s in text for s in SECRETS), text
    return text


async def test_url_secrets_are_refused_then_moved_to_the_keyring_and_never_saved(
    qtbot, tmp_path, memory_keyring, caplog
) -> None:
    store = _store(tmp_path)
    view = SettingsView(store)
    qtbot.addWidget(view)
    view.form.fields["connection.database"].set_text("external")
    dsn, engine = view.form.fields["connection.dsn"], view.form.fields["connection.engine_url"]
    dsn.set_text(DSN)
    engine.set_text(ENGINE)
    assert "Store in keyring" in (dsn.error or "") and "keyring" in (engine.error or "")
    assert not view.save_button.isEnabled()
    with caplog.at_level(logging.DEBUG):
        qtbot.mouseClick(view.store_secrets_button, Qt.MouseButton.LeftButton)
        await until(lambda: dsn.text == "postgresql://trader@db:5432/perfdesk?sslmode=require")
        await until(lambda: engine.text == "wss://desk@engine.example:9000/feed")
    assert "moved to the OS keyring" in dsn.help.text()
    assert memory_keyring.store[("perfdesk", "db_password")] == "hunter2-pw"
    assert memory_keyring.store[("perfdesk", "engine_token")] == "s3cr3t-pw"
    assert view.save_button.isEnabled()
    with qtbot.waitSignal(view.settings_saved):
        qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)
    assert "engine.example" in _file_has_no_secret(tmp_path)
    assert not any(s in caplog.text for s in SECRETS)


def test_a_settings_file_holding_secrets_is_scrubbed_on_load(
    tmp_path, memory_keyring, caplog
) -> None:
    store = _store(tmp_path)
    store.setValue("settings/connection.database", "external")
    store.setValue("settings/connection.dsn", DSN)
    store.setValue("settings/connection.engine_url", "wss://engine.example/feed?token=s3cr3t-pw")
    store.sync()
    assert "s3cr3t-pw" in (tmp_path / "s.ini").read_text()  # the planted file
    with caplog.at_level(logging.DEBUG):
        loaded = settings_store.load(_store(tmp_path))
    assert loaded.connection.dsn == "postgresql://trader@db:5432/perfdesk?sslmode=require"
    assert loaded.connection.engine_url == "wss://engine.example/feed"
    _file_has_no_secret(tmp_path)
    assert memory_keyring.store[("perfdesk", "engine_token")] == "s3cr3t-pw"
    assert "moved a secret from the settings file's connection.dsn" in caplog.text
    assert not any(s in caplog.text for s in SECRETS)


def test_without_a_keyring_the_secret_still_leaves_the_file(tmp_path, no_keyring, caplog) -> None:
    store = _store(tmp_path)
    store.setValue("settings/connection.engine_url", ENGINE)
    store.sync()
    with caplog.at_level(logging.DEBUG):
        loaded = settings_store.load(_store(tmp_path))
    assert loaded.connection.engine_url == "wss://desk@engine.example:9000/feed"
    _file_has_no_secret(tmp_path)
    assert "PERFDESK_ENGINE_TOKEN" in caplog.text
    assert not any(s in caplog.text for s in SECRETS)
