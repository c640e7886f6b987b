"""Settings › Notifications on a real PostgreSQL and a real loopback webhook: add a
channel with its URL going to the keyring only, test it before and after adding, see its
delivery log, disable and remove it; the Alerts page opens it."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError
from PySide6.QtCore import Qt
from views_factories import until

from perfdesk.services.alerts.channels.service import Notifications
from perfdesk.services.store.store import Store
from perfdesk.views.alerts.alert_log_view import AlertLogView
from perfdesk.views.alerts.notifications_view import HostedNotifications, NotificationsPanel
from tests.services.channel_servers import HttpTarget

TOKEN = "s3cr3t-T0KEN"


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.store.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    before = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(before)


@pytest.fixture
def target() -> Iterator[HttpTarget]:
    server = HttpTarget()
    yield server
    server.close()


def click(qtbot, button) -> None:  # type: ignore[no-untyped-def]
    assert button.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def type_into(qtbot, field, text: str) -> None:  # type: ignore[no-untyped-def]
    field.input.selectAll()
    qtbot.keyClick(field.input, Qt.Key.Key_Backspace)
    qtbot.keyClicks(field.input, text)


async def test_add_test_disable_remove_a_channel(
    qtbot, store: Store, memory_keyring: MemoryKeyring, target: HttpTarget, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    panel = NotificationsPanel(HostedNotifications(Notifications(store.pool)), who="ann")
    qtbot.addWidget(panel)
    panel.resize(900, 620)
    panel.show()
    await until(lambda: panel._loaded_once)
    assert panel.model.rowCount() == 0 and not panel.add_button.isEnabled()
    type_into(qtbot, panel.name_field, "desk chat")
    panel.kind_field.set_text("webhook")
    type_into(qtbot, panel.url_field, "ftp://files")
    assert panel.url_field.error == "the URL must be http:// or https:// with a host"
    assert not panel.add_button.isEnabled()
    type_into(qtbot, panel.strategies_field, "eu_* bad;id")
    assert "strategy 'bad;id'" in (panel.strategies_field.error or "")
    type_into(qtbot, panel.strategies_field, "eu_*")
    type_into(qtbot, panel.url_field, target.url())
    assert panel.url_field.error is None and panel.add_button.isEnabled()

    click(qtbot, panel.test_button)  # before adding: the URL typed
    await until(lambda: "delivered" in panel.result_label.text())
    assert target.requests[0].json()["kind"] == "test"  # type: ignore[index]

    click(qtbot, panel.add_button)
    await until(lambda: panel.model.rowCount() == 1)
    assert panel.url_field.text == ""  # the secret leaves the form
    assert list(memory_keyring.store.values()) == [target.url()]
    stored = await store.pool.fetchval("SELECT row_to_json(c)::text FROM alert_channels c")
    assert TOKEN not in stored
    type_into(qtbot, panel.name_field, "desk chat")
    assert panel.name_field.error == "a channel named 'desk chat' exists"

    panel.table.selectRow(0)
    target.plan = [500]
    click(qtbot, panel.test_selected_button)
    await until(lambda: "failed: HTTP 500" in panel.result_label.text())
    await until(lambda: panel.model.row_at(0).log.last_error is not None)
    row = panel.model.row_at(0)
    assert row.log.last_success_at is not None  # the test before adding counts too
    shown = panel.model.data(panel.model.index(0, panel.model.column_of("error")))
    assert "HTTP 500" in shown
    assert panel.model.data(panel.model.index(0, panel.model.column_of("strategies"))) == "eu_*"

    click(qtbot, panel.toggle_button)
    await until(lambda: not panel.model.row_at(0).config.enabled)
    assert panel.model.data(panel.model.index(0, panel.model.column_of("state"))) == "off"
    panel.table.selectRow(0)
    click(qtbot, panel.remove_button)
    await until(lambda: panel.model.rowCount() == 0)
    assert memory_keyring.store == {}
    assert TOKEN not in caplog.text


async def test_alerts_page_opens_notifications(qtbot, store: Store) -> None:
    page = AlertLogView(list)
    qtbot.addWidget(page)
    page.show()
    dialog = page.open_notifications()
    assert dialog.isVisible()
    assert dialog.panel.result_label.text() == "Available once the database is connected."
    page.notifications_backend = lambda: HostedNotifications(Notifications(store.pool))
    assert page.open_notifications() is dialog
    await until(lambda: dialog.panel._loaded_once)
    assert dialog.panel.backend is not None
    dialog.close()
