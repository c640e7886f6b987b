"""Small helpers for PostgreSQL connection strings (never logged with a password)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit


def with_database(dsn: str, database: str) -> str:
    """The same server and credentials, another database."""
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path="/" + database))


def redacted(dsn: str) -> str:
    """`dsn` with any password replaced by ***, safe for logs and error messages."""
    parts = urlsplit(dsn)
    if parts.password is None:
        return dsn
    netloc = parts.netloc.replace(":" + parts.password + "@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def password_kwargs(dsn: str) -> dict[str, Any]:
    """`{"password": ...}` for a DSN that carries none: from $PERFDESK_DB_PASSWORD, then
    the OS keyring (entry "db_password"); empty when the DSN has one or none is stored.

    libpq's own $PGPASSWORD and ~/.pgpass keep working too (asyncpg reads them)."""
    if urlsplit(dsn).password is not None:
        return {}
    from perfdesk.services.support.secrets import get_secret

    password = get_secret("db_password")
    return {"password": password} if password else {}
