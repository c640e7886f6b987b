"""Small helpers for PostgreSQL connection strings (never logged with a password)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from perfdesk.domain import url_secrets

_KEY_VALUE_SECRET = re.compile(r"((?:^|\s)(?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.I)


def with_database(dsn: str, database: str) -> str:
    """The same server and credentials, another database."""
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path="/" + database))


def redacted(dsn: str) -> str:
    """`dsn` with every password replaced by ***, safe for logs and error messages: the
    userinfo password, query parameters such as `?password=`/`?sslpassword=`, and
    `password=` in a libpq key=value string."""
    if "://" not in dsn:
        return _KEY_VALUE_SECRET.sub(lambda m: f"{m[1]}{url_secrets.REDACTED}", dsn)
    return url_secrets.redact(dsn)


def split_password(dsn: str) -> tuple[str, str | None]:
    """(the DSN without any password, the password or None) — to move it to the keyring."""
    parts = url_secrets.split(dsn)
    found = parts.secrets
    password = found.get(url_secrets.USERINFO) or found.get("password") or found.get("pwd")
    return parts.clean, password


def password_kwargs(dsn: str) -> dict[str, Any]:
    """`{"password": ...}` for a DSN that carries none: from $PERFDESK_DB_PASSWORD, then
    the OS keyring (entry "db_password"); empty when the DSN has one or none is stored.

    libpq's own $PGPASSWORD and ~/.pgpass keep working too (asyncpg reads them)."""
    if url_secrets.split(dsn).secrets:
        return {}
    from perfdesk.services.support.secrets import get_secret

    password = get_secret("db_password")
    return {"password": password} if password else {}
