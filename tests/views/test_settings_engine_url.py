"""Settings › Connection › Engine URL is checked by the engine-source registry itself:
any known source's scheme is accepted, an unknown one is an error at the field."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from perfdesk.views.settings.settings_view import SettingsView


def test_engine_url_accepts_every_source_and_names_them_for_an_unknown_one(qtbot, tmp_path) -> None:
    view = SettingsView(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(view)
    field = view.form.fields["connection.engine_url"]
    for url in (
        "wss://engine.example:8443",
        "freqtrade+http://freqtrader@127.0.0.1:8080",
        "nautilus+redis://127.0.0.1:6379/0?stream=trader-T-001-stream",
    ):
        field.set_text(url)
        assert not field.error, (url, field.error)
    field.set_text("ftp://engine.example")
    assert "no engine source" in (field.error or "")
    assert "freqtrade+http://" in (field.error or "") and "nautilus+redis://" in field.error
