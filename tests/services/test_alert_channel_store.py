"""Channel settings in PostgreSQL (migration 0500) with their URLs in the keyring or the
environment only; the stored channels load into the dispatcher; the delivery log."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import NoKeyringError, PasswordDeleteError
from pydantic import ValidationError

from perfdesk.domain.status import Status
from perfdesk.services.alerts.channels import ChannelDispatcher
from perfdesk.services.alerts.channels.config import ChannelConfig, ChannelKind
from perfdesk.services.alerts.channels.store import (
    ChannelConfigStore,
    SecretNotStoredError,
    stored_channels,
)
from perfdesk.services.alerts.store import AlertPersistence
from perfdesk.services.store.store import Store
from tests.services.channel_servers import HttpTarget, manager, verdict
from tests.services.collector_helpers import wait_for

T0 = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self, broken: bool = False) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}
        self.broken = broken

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.broken:
            raise NoKeyringError("no backend")
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


def config(name: str = "desk chat", **kw: object) -> ChannelConfig:
    return ChannelConfig.model_validate({"name": name, "kind": "webhook", **kw})


def test_config_says_what_is_wrong() -> None:
    with pytest.raises(ValidationError, match="warning or critical"):
        config(min_severity="ok")
    with pytest.raises(ValidationError, match="strategy 'a b;c'"):
        config(strategies=["a b;c"])
    assert config(strategies="eu_*, us_1").strategies == ("eu_*", "us_1")
    with pytest.raises(ValidationError, match="printable"):
        config(name="  ")


async def test_save_keeps_the_url_out_of_the_database(
    store: Store, memory_keyring: MemoryKeyring, target: HttpTarget
) -> None:
    channels = ChannelConfigStore(store.pool)
    url = target.url()
    saved = await channels.save(config(strategies=("eu_*",)), url, "ann")
    assert saved.id is not None
    assert memory_keyring.store[("perfdesk", f"alert_channel_{saved.id}")] == url
    dump = await store.pool.fetchval("SELECT row_to_json(c)::text FROM alert_channels c")
    assert "s3cr3t" not in dump and "127.0.0.1" not in dump
    assert [c.name for c in await channels.list()] == ["desk chat"]
    renamed = await channels.save(saved.model_copy(update={"name": "eu chat"}), None, "bob")
    assert renamed.id == saved.id and (await channels.list())[0].strategies == ("eu_*",)
    with pytest.raises(ValueError, match="http:// or https://"):
        await channels.save(config("bad"), "ftp://x", "ann")
    with pytest.raises(ValueError, match="needs its URL"):
        await channels.save(config("no url"), None, "ann")
    assert len(await channels.list()) == 1  # nothing stored for refused input
    await channels.delete(saved.id)
    assert await channels.list() == [] and memory_keyring.store == {}


async def test_without_a_keyring_the_error_names_the_environment_variable(
    store: Store,
) -> None:
    before = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring(broken=True))
    try:
        with pytest.raises(SecretNotStoredError, match="set PERFDESK_ALERT_CHANNEL_1"):
            await ChannelConfigStore(store.pool).save(config(), "https://hooks.example/x", "ann")
    finally:
        keyring.set_keyring(before)


async def test_stored_channels_deliver_and_the_log_says_how_they_went(
    store: Store,
    memory_keyring: MemoryKeyring,
    target: HttpTarget,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    channels = ChannelConfigStore(store.pool)
    ok = await channels.save(config("ok", min_severity=Status.CRITICAL), target.url(), "ann")
    failing = await channels.save(config("failing"), target.url("/x"), "ann")
    off = await channels.save(config("off", enabled=False), target.url("/off"), "ann")
    no_url = await channels.save(
        config("elsewhere", kind=ChannelKind.ALERTMANAGER), "http://127.0.0.1:9", "ann"
    )
    assert off.id and no_url.id and failing.id
    del memory_keyring.store[("perfdesk", f"alert_channel_{no_url.id}")]
    monkeypatch.setenv(f"PERFDESK_ALERT_CHANNEL_{failing.id}", "http://127.0.0.1:9/closed")
    m = manager()
    persistence = AlertPersistence(store.pool)
    await persistence.start(m, T0)
    dispatcher = ChannelDispatcher(
        [],
        retries=0,
        source=stored_channels(store.pool),
        watch_every_s=0.05,
        on_delivery=lambda d: persistence.store.record_delivery(
            d.channel, d.event, ok=d.ok, attempts=d.attempts, error=d.error
        ),
    )
    dispatcher.start(m)
    m.process([verdict("s1", Status.CRITICAL, T0)], T0)  # before the channels loaded
    await dispatcher.flush()
    assert sorted(c.name for c in dispatcher.channels) == ["failing", "ok"]
    assert "'elsewhere' has no URL here" in caplog.text
    assert [r.path for r in target.requests] == ["/hook?token=s3cr3t-T0KEN"]
    log = await channels.delivery_log(["ok", "failing", "off"])
    assert log["ok"].last_success_at is not None and log["ok"].last_error is None
    assert log["failing"].failed == 1 and "ConnectError" in (log["failing"].last_error or "")
    assert "off" not in log
    assert ok.id is not None
    await channels.set_enabled(ok.id, False, "ann")
    await dispatcher.reload()
    assert [c.name for c in dispatcher.channels] == ["failing"]
    await channels.save(config("added elsewhere"), target.url("/new"), "bob")
    await wait_for(  # the watcher notices the change in the table
        lambda: "added elsewhere" in [c.name for c in dispatcher.channels], "reload", 10
    )
    await dispatcher.aclose()
    await persistence.aclose()
