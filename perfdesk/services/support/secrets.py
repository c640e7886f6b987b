"""Secrets (engine token, database password): environment first, then the OS keyring.

Never from a settings file, never logged: callers get the value and nothing here
prints it; `move_url_secret` takes one out of a URL (a DSN's `?password=`, an engine
URL's `user:secret@` or `?token=`). The environment variable for a name is
`PERFDESK_<NAME>` (upper case), e.g. `get_secret("engine_token")` reads
`PERFDESK_ENGINE_TOKEN`, then the keyring entry (service "perfdesk", user "engine_token").
"""

from __future__ import annotations

import logging
import os
import re

from perfdesk.domain import url_secrets

log = logging.getLogger(__name__)
SERVICE = "perfdesk"
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def env_var(name: str) -> str:
    """The environment variable that holds secret `name`."""
    return f"PERFDESK_{_checked(name).upper()}"


def get_secret(name: str) -> str | None:
    """The secret's value, or None if neither the environment nor the keyring has it."""
    value = os.environ.get(env_var(name))
    if value:
        return value
    return _keyring_get(name)


def set_secret(name: str, value: str) -> None:
    """Store a secret in the OS keyring (raises keyring.errors.KeyringError if none)."""
    import keyring

    keyring.set_password(SERVICE, _checked(name), value)


def delete_secret(name: str) -> None:
    """Remove a secret from the OS keyring; absent is fine."""
    import keyring
    from keyring.errors import PasswordDeleteError

    try:
        keyring.delete_password(SERVICE, _checked(name))
    except PasswordDeleteError:
        log.debug("secret %s was not in the keyring", name)


def move_url_secret(url: str, name: str) -> str:
    """`url` without its secret, after storing that secret in the keyring as `name`.

    For a DSN's password (`name` "db_password") or an engine URL's password/token
    ("engine_token"). Raises ValueError when the URL holds different secrets (only one
    fits the entry) and keyring.errors.KeyringError when no keyring is usable; the URL is
    returned unchanged when it holds none."""
    parts = url_secrets.split(url)
    values = set(parts.secrets.values()) - {""}
    if len(values) > 1:
        names = ", ".join(sorted(parts.secrets))
        raise ValueError(f"the URL holds {len(values)} different secrets ({names}); keep one")
    if values:
        set_secret(name, values.pop())
        log.info("moved a secret out of a URL into the keyring entry %s", name)
    return parts.clean


def _keyring_get(name: str) -> str | None:
    import keyring
    from keyring.errors import KeyringError

    try:
        value: str | None = keyring.get_password(SERVICE, name)
    except KeyringError as exc:  # no backend (headless CI) or a locked/broken one
        log.info(
            "no usable OS keyring for secret %s (%s); set %s instead",
            name,
            type(exc).__name__,
            env_var(name),
        )
        return None
    return value


def _checked(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"secret name must match {_NAME.pattern}, got {name!r}")
    return name
