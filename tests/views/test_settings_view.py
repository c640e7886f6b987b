"""Settings: generated form, validation at the field, saved to QSettings, applied at once."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt

from perfdesk.desktop_settings import DesktopSettings
from perfdesk.theme.tokens import PnlConvention
from perfdesk.views.settings import settings_store
from perfdesk.views.settings.settings_view import SettingsView
from perfdesk.views.support.style import apply_appearance, current_theme


def _store(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)


def test_password_in_dsn_is_refused_at_the_field(qtbot, tmp_path) -> None:
    view = SettingsView(_store(tmp_path))
    qtbot.addWidget(view)
    dsn = view.form.fields["connection.dsn"]
    qtbot.keyClicks(dsn.input, "postgresql://trader:hunter2@db:5432/perfdesk")
    assert "keyring" in (dsn.error or "")
    assert not view.save_button.isEnabled()
    dsn.input.clear()
    qtbot.keyClicks(dsn.input, "postgresql://trader@db:5432/perfdesk")
    assert dsn.error is None and view.save_button.isEnabled()


def test_external_database_needs_a_dsn(qtbot, tmp_path) -> None:
    view = SettingsView(_store(tmp_path))
    qtbot.addWidget(view)
    view.form.fields["connection.database"].set_text("external")
    assert view.form.group_errors["connection"].isVisibleTo(view)
    assert "required" in (view.form.fields["connection.dsn"].error or "")


def test_saved_settings_round_trip_and_hold_no_secret(qtbot, tmp_path) -> None:
    store = _store(tmp_path)
    view = SettingsView(store)
    qtbot.addWidget(view)
    view.form.fields["appearance.pnl_convention"].set_text("red_up")
    view.form.fields["notifications.tray_popups"].set_text("false")
    view.form.fields["connection.engine_url"].set_text("wss://engine.example:8443/v1")
    with qtbot.waitSignal(view.settings_saved) as saved:
        qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)
    value = saved.args[0]
    assert isinstance(value, DesktopSettings)
    loaded = settings_store.load(_store(tmp_path))
    assert loaded == value
    assert loaded.appearance.pnl_convention == "red_up" and not loaded.notifications.tray_popups
    text = (tmp_path / "s.ini").read_text()
    assert "token" not in text.lower() and "password" not in text.lower()


def test_corrupt_stored_value_falls_back_to_default(tmp_path) -> None:
    store = _store(tmp_path)
    store.setValue("settings/appearance.refresh_hz", "9000")
    store.setValue("settings/appearance.theme", "light")
    loaded = settings_store.load(store)
    assert loaded.appearance.refresh_hz == 15.0
    assert loaded.appearance.theme == "light"


def test_appearance_applies_convention_and_palette(qapp) -> None:
    base = DesktopSettings().appearance
    apply_appearance(
        qapp, base.model_copy(update={"pnl_convention": "red_up", "palette": "colorblind"})
    )
    theme = current_theme()
    assert theme.convention is PnlConvention.RED_UP and theme.variant == "colorblind"
    assert theme.color("colors.semantic.profit") == "#e69f00"
    apply_appearance(qapp, base)
    assert current_theme().color("colors.semantic.profit") == "#22c55e"


def test_the_display_time_zone_applies_to_every_time_shown(qtbot, tmp_path) -> None:
    from datetime import UTC, datetime

    from perfdesk.views.support import fmt

    store = _store(tmp_path)
    view = SettingsView(store)
    qtbot.addWidget(view)
    zone = view.form.fields["appearance.time_zone"]
    try:
        qtbot.keyClicks(zone.input, "x")  # "localx"
        assert "unknown time zone" in (zone.error or "") and not view.save_button.isEnabled()
        zone.set_text("Asia/Tokyo")
        assert zone.error is None
        view.save()
        moment = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)
        assert fmt.local_time(moment) == "2026-03-02 09:30:00 JST"
        fmt.set_display_zone("local")
        again = SettingsView(store)  # the next start applies the saved zone
        qtbot.addWidget(again)
        assert fmt.local_time(moment).endswith("JST")
    finally:
        fmt.set_display_zone("local")


async def test_a_keyring_failure_reads_as_one_plain_sentence(qtbot, tmp_path, monkeypatch) -> None:
    from views_factories import until

    from perfdesk.services.support import secrets

    def no_keyring(_name: str, _value: str) -> None:
        raise RuntimeError(
            "No recommended backend was available. Install a recommended 3rd party backend "
            "package; or, install the keyrings.alt package ... https://pypi.org/project/keyring"
        )

    monkeypatch.setattr(secrets, "set_secret", no_keyring)
    view = SettingsView(_store(tmp_path))
    qtbot.addWidget(view)
    field = view.secret_fields["engine_token"]
    field.set_text("s3cret")
    view.store_secrets()
    await until(lambda: field.error is not None)
    assert field.error is not None
    assert "pypi" not in field.error and "backend" not in field.error
    assert field.error.startswith("This computer has no usable keyring")
    assert secrets.env_var("engine_token") in field.error


def test_the_engine_in_use_shows_in_the_engine_url_field(qtbot, tmp_path) -> None:
    view = SettingsView(_store(tmp_path))
    qtbot.addWidget(view)
    view.show_connection("ws://127.0.0.1:40123", demo=True)
    field = view.form.fields["connection.engine_url"]
    assert field.text == ""  # nothing is saved: the demo uses its own engine
    assert field.input.placeholderText().startswith("ws://127.0.0.1:40123")
    assert "demo" in field.input.placeholderText()
