"""The audit-trail table of a versioned setting (thresholds, alert timing settings):
one row per saved version — number, when, who, [comment], what changed (old → new)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from perfdesk.views.components.data_table import Column
from perfdesk.views.support import fmt


class SavedVersion(Protocol):
    @property
    def version(self) -> int: ...
    @property
    def who(self) -> str: ...
    @property
    def at(self) -> datetime: ...


class VersionRow:
    """A saved version and what changed from the one before it."""

    def __init__(self, saved: Any, summary: str) -> None:
        self.saved = saved
        self.summary = summary

    def __eq__(self, other: object) -> bool:
        return isinstance(other, VersionRow) and (self.saved.version, self.summary) == (
            other.saved.version,
            other.summary,
        )

    __hash__ = None  # type: ignore[assignment]


def row_key(row: VersionRow) -> str:
    return str(row.saved.version)


def show_value(value: Any) -> str:
    """A setting's value in a change summary ("off" for an unset optional one)."""
    return "off" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def version_columns(*, comment: bool = False) -> tuple[Column[VersionRow], ...]:
    when = Column[VersionRow](
        "at",
        "When",
        lambda r: r.saved.at.timestamp() if r.saved.at else 0.0,
        display=lambda r: fmt.short_time(r.saved.at),
        width=112 if comment else 84,
        extra={"tip": lambda r: fmt.local_time(r.saved.at)},
    )
    columns = [
        Column[VersionRow]("version", "Ver.", lambda r: r.saved.version, width=52),
        when,
        Column[VersionRow]("who", "Who", lambda r: r.saved.who or "", width=70 if comment else 64),
    ]
    if comment:
        columns.append(
            Column[VersionRow](
                "comment", "Comment", lambda r: getattr(r.saved, "comment", None) or "", width=160
            )
        )
    columns.append(
        Column[VersionRow](
            "changes",
            "Changes (old → new)",
            lambda r: r.summary,
            extra={"tip": lambda r: r.summary},
        )
    )
    return tuple(columns)
