"""Settings › Notifications: where alerts go besides this window — chat, phone, e-mail,
Alertmanager — with a test button and each channel's delivery log.

    panel = NotificationsPanel(backend, who="ann")   # backend: NotificationsBackend
    dialog = NotificationsDialog(backend, who, parent)

The backend is `backend_views.notifications(host)` in the app (the service lives on
the backend loop). Channel settings are stored in the database; the URL (it carries the
service's token) goes to the OS keyring, is never shown again, and the field is cleared
after saving. Signals: changed().
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol, TypeVar

from pydantic import ValidationError
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from perfdesk.domain.status import Status
from perfdesk.services.alerts.channels.apprise_channel import scheme_of
from perfdesk.services.alerts.channels.base import Delivery
from perfdesk.services.alerts.channels.config import ChannelConfig, ChannelKind
from perfdesk.services.alerts.channels.service import ChannelStatus, Notifications
from perfdesk.services.alerts.channels.webhook import check_http_url
from perfdesk.views.alerts.notifications_model import COLUMNS, row_key
from perfdesk.views.components.button import Button
from perfdesk.views.components.data_table import DataTable, RowTableModel
from perfdesk.views.components.form_field import FormField
from perfdesk.views.support import ops, style
from perfdesk.views.support.hop import Hop, Run
from perfdesk.views.support.shown_loader import LoadsWhenShown

T = TypeVar("T")
KINDS = (
    ("apprise", "Apprise (chat, push, e-mail)"),
    ("webhook", "Webhook (JSON POST)"),
    ("alertmanager", "Prometheus Alertmanager"),
)
URL_HELP = {
    "apprise": "One Apprise URL: tgram://bot_token/chat_id, slack://T/B/C, "
    "msteams://…, discord://…, mailto://user:pass@host, ntfy://topic, pover://…",
    "webhook": "https://… — receives JSON with `text` (Slack/Mattermost style) and fields.",
    "alertmanager": "Its base URL, e.g. http://alertmanager:9093 (posts to /api/v2/alerts).",
}
SECRET_NOTE = "Kept in the OS keyring, never in the database or a settings file."


class NotificationsBackend(Protocol):
    """What the panel calls (each awaited on the GUI loop)."""

    def channels(self) -> Awaitable[list[ChannelStatus]]: ...
    def save(
        self, config: ChannelConfig, url: str | None, who: str
    ) -> Awaitable[ChannelConfig]: ...
    def set_enabled(self, channel_id: int, enabled: bool, who: str) -> Awaitable[None]: ...
    def delete(self, channel_id: int) -> Awaitable[None]: ...
    def test(self, config: ChannelConfig, url: str | None) -> Awaitable[Delivery]: ...


class HostedNotifications(Hop):
    """A NotificationsBackend over `Notifications` on another loop (`run` hops there)."""

    def __init__(self, service: Notifications, run: Run | None = None) -> None:
        super().__init__(run)
        self.service = service

    def channels(self) -> Awaitable[list[ChannelStatus]]:
        return self._hop(self.service.channels())

    def save(self, config: ChannelConfig, url: str | None, who: str) -> Awaitable[ChannelConfig]:
        return self._hop(self.service.save(config, url, who))

    def set_enabled(self, channel_id: int, enabled: bool, who: str) -> Awaitable[None]:
        return self._hop(self.service.set_enabled(channel_id, enabled, who))

    def delete(self, channel_id: int) -> Awaitable[None]:
        return self._hop(self.service.delete(channel_id))

    def test(self, config: ChannelConfig, url: str | None) -> Awaitable[Delivery]:
        return self._hop(self.service.test(config, url))


def url_problem(kind: str, url: str) -> str | None:
    """The URL's problem for `kind` as typed (None: fine, or empty)."""
    if not url.strip():
        return None
    try:
        if kind == ChannelKind.APPRISE:
            scheme_of(url.strip())
        else:
            check_http_url(url.strip(), "the")
    except ValueError as exc:
        return str(exc)
    return None


class NotificationsPanel(LoadsWhenShown):
    """The channel table with its actions, and the add-a-channel form (module docstring)."""

    changed = Signal()

    def __init__(
        self, backend: NotificationsBackend | None, who: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.backend = backend
        self.who = who
        self.model = RowTableModel(COLUMNS, key=row_key)
        self._build()
        self._on_kind()
        self._update_actions()

    # --- layout --------------------------------------------------------------------------

    def _build(self) -> None:
        theme = style.current_theme()
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(theme.px("spacing.semantic.md"))
        about = QLabel(
            "Where alerts go besides this window: chat, phone push, e-mail (through Apprise), "
            "a webhook, or the operations team's Alertmanager. The collector sends them "
            "all night; each channel has its own minimum severity and strategies."
        )
        about.setProperty("kind", "muted")
        about.setWordWrap(True)
        box.addWidget(about)
        self.table = DataTable(self.model)
        self.table.set_empty_text("No channel yet: add one below.")
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setMinimumHeight(120)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_actions())
        box.addWidget(self.table, 1)
        box.addLayout(self._row_actions())
        caption = QLabel("ADD A CHANNEL")
        caption.setProperty("kind", "caption")
        box.addWidget(caption)
        box.addLayout(self._form())
        box.addLayout(self._form_actions())
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.addWidget(self.result_label)

    def _row_actions(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.toggle_button = Button("Disable", "secondary", tooltip="Stop or resume sending")
        self.toggle_button.clicked.connect(self.toggle_selected)
        self.test_selected_button = Button(
            "Send test", "secondary", tooltip="Send a test message now to this channel"
        )
        self.test_selected_button.clicked.connect(self.test_selected)
        self.remove_button = Button("Remove", "ghost", tooltip="Remove it and forget its URL")
        self.remove_button.clicked.connect(self.remove_selected)
        row.addStretch(1)
        for button in (self.toggle_button, self.test_selected_button, self.remove_button):
            row.addWidget(button)
        return row

    def _form(self) -> QGridLayout:
        grid = QGridLayout()
        grid.setHorizontalSpacing(style.current_theme().px("spacing.semantic.lg"))
        self.name_field = FormField("Name", placeholder="desk chat",
                                    validator=self._name_problem)  # fmt: skip
        self.kind_field = FormField("Kind", choices=KINDS)
        self.url_field = FormField("URL", password=True, validator=self._url_problem,
                                   help_text=SECRET_NOTE)  # fmt: skip
        self.severity_field = FormField(
            "From severity",
            choices=(("warning", "Warning and critical"), ("critical", "Critical only")),
        )
        self.strategies_field = FormField(
            "Strategies", placeholder="all", validator=self._strategies_problem,
            help_text="Ids or patterns (eu_*), separated by spaces or commas; empty: all.",
        )  # fmt: skip
        self.kind_field.edited.connect(lambda _t: self._on_kind())
        fields = (self.name_field, self.kind_field, self.severity_field, self.strategies_field)
        for column, field in enumerate(fields):
            grid.addWidget(field, 0, column, Qt.AlignmentFlag.AlignTop)  # inputs in one line
        grid.addWidget(self.url_field, 1, 0, 1, 4)
        for field in (*fields, self.url_field):
            field.edited.connect(lambda _t: self._update_actions())
        return grid

    def _form_actions(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.test_button = Button("Send a test message now", "secondary",
                                  tooltip="Try the URL above before adding it")  # fmt: skip
        self.test_button.clicked.connect(self.test_draft)
        self.add_button = Button("Add channel", "primary")
        self.add_button.clicked.connect(self.add)
        row.addStretch(1)
        row.addWidget(self.test_button)
        row.addWidget(self.add_button)
        return row

    # --- validation ----------------------------------------------------------------------

    def _name_problem(self, text: str) -> str | None:
        name = text.strip()
        if not name:
            return None
        taken = {self.model.row_at(i).config.name for i in range(self.model.rowCount())}
        return f"a channel named {name!r} exists" if name in taken else None

    def _url_problem(self, text: str) -> str | None:
        return url_problem(self.kind_field.text, text)

    def _strategies_problem(self, text: str) -> str | None:
        try:
            ChannelConfig(name="x", kind=ChannelKind.WEBHOOK, strategies=text)
        except ValidationError as exc:
            return str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
        return None

    def _on_kind(self) -> None:
        self.url_field.help.setText(f"{URL_HELP[self.kind_field.text]} {SECRET_NOTE}")
        self.url_field.validate()

    def draft(self) -> ChannelConfig | None:
        """The form as a ChannelConfig (None while something is missing or wrong)."""
        fields = (self.name_field, self.url_field, self.strategies_field)
        if not all(f.validate() for f in fields) or not self.name_field.text.strip():
            return None
        if not self.url_field.text.strip():
            return None
        return ChannelConfig(
            name=self.name_field.text,
            kind=ChannelKind(self.kind_field.text),
            min_severity=Status(self.severity_field.text),
            strategies=self.strategies_field.text,
        )

    # --- state ---------------------------------------------------------------------------

    def selected(self) -> ChannelStatus | None:
        key = self.table.selected_key()
        index = self.model.row_of(key) if key is not None else None
        return self.model.row_at(index) if index is not None else None

    def _update_actions(self) -> None:
        connected = self.backend is not None
        chosen = self.selected()
        for button in (self.toggle_button, self.test_selected_button, self.remove_button):
            button.setEnabled(connected and chosen is not None)
        if chosen is not None:
            self.toggle_button.setText("Disable" if chosen.config.enabled else "Enable")
        ready = connected and self.draft() is not None
        self.add_button.setEnabled(ready)
        self.test_button.setEnabled(ready)
        if not connected:
            self.result_label.setText("Available once the database is connected.")

    def set_backend(self, backend: NotificationsBackend | None) -> None:
        self.backend = backend
        self.source_changed()
        self._update_actions()

    # --- actions -------------------------------------------------------------------------

    def load(self) -> None:
        if self.backend is None:
            return
        self.loading_started()
        ops.run(self.backend.channels(), owner=self, on_success=self._show,
                group=f"notifications:{id(self)}")  # fmt: skip

    def _show(self, rows: Sequence[ChannelStatus]) -> None:
        keep = {row_key(r) for r in rows}
        self.model.remove([k for k in self.model.row_keys() if k not in keep])
        self.model.upsert(rows)
        self._update_actions()

    def _after(self, message: str) -> Callable[[object], None]:
        def done(_result: object) -> None:
            self.result_label.setText(message)
            self.load()
            self.changed.emit()

        return done

    def _failed(self, what: str) -> Callable[[BaseException], None]:
        def failed(exc: BaseException) -> None:
            self.result_label.setText(f"{what}: {exc}")
            self.load()

        return failed

    def add(self) -> None:
        config, backend = self.draft(), self.backend
        if config is None or backend is None:
            return
        url = self.url_field.text.strip()
        self.add_button.setEnabled(False)
        ops.run(backend.save(config, url, self.who), owner=self,
                on_success=self._added, on_failure=self._add_failed)  # fmt: skip

    def _added(self, saved: ChannelConfig) -> None:
        for field in (self.name_field, self.url_field, self.strategies_field):
            field.set_text("")
            field.set_error(None)
        self.result_label.setText(f"Added {saved.name!r}; its URL is in the OS keyring.")
        self.load()
        self.changed.emit()

    def _add_failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValueError):
            self.url_field.set_error(str(exc))
        self._failed("Not added")(exc)
        self._update_actions()

    def test_draft(self) -> None:
        config, backend = self.draft(), self.backend
        if config is not None and backend is not None:
            self._test(backend, config, self.url_field.text.strip())

    def test_selected(self) -> None:
        chosen, backend = self.selected(), self.backend
        if chosen is not None and backend is not None:
            self._test(backend, chosen.config, None)

    def _test(self, backend: NotificationsBackend, config: ChannelConfig, url: str | None) -> None:
        self.result_label.setText(f"Sending a test message to {config.name!r}…")
        ops.run(backend.test(config, url), owner=self, on_success=self._tested,
                on_failure=self._failed("Test not sent"),
                group=f"notify-test:{id(self)}")  # fmt: skip

    def _tested(self, delivery: Delivery) -> None:
        if delivery.ok:
            self.result_label.setText(f"Test message delivered to {delivery.channel!r}.")
        else:
            self.result_label.setText(f"Test to {delivery.channel!r} failed: {delivery.error}")
        self.load()

    def toggle_selected(self) -> None:
        chosen, backend = self.selected(), self.backend
        if chosen is None or backend is None or chosen.config.id is None:
            return
        enabled = not chosen.config.enabled
        word = "enabled" if enabled else "disabled"
        ops.run(backend.set_enabled(chosen.config.id, enabled, self.who), owner=self,
                on_success=self._after(f"{chosen.config.name!r} {word}."),
                on_failure=self._failed("Not changed"))  # fmt: skip

    def remove_selected(self) -> None:
        chosen, backend = self.selected(), self.backend
        if chosen is None or backend is None or chosen.config.id is None:
            return
        ops.run(backend.delete(chosen.config.id), owner=self,
                on_success=self._after(f"Removed {chosen.config.name!r} and forgot its URL."),
                on_failure=self._failed("Not removed"))  # fmt: skip


class NotificationsDialog(QDialog):
    """The Alerts page's "Notifications…" window around a NotificationsPanel."""

    def __init__(
        self, backend: NotificationsBackend | None, who: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Notifications")
        self.setObjectName("Page")
        margin = style.current_theme().px("spacing.semantic.xl")
        box = QVBoxLayout(self)
        box.setContentsMargins(margin, margin, margin, margin)
        self.panel = NotificationsPanel(backend, who)
        box.addWidget(self.panel)
        close = Button("Close", "secondary")
        close.clicked.connect(self.accept)
        box.addWidget(close, 0, Qt.AlignmentFlag.AlignRight)
        self.resize(920, 640)
