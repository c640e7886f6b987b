"""The live stream's common frame — a batch of equity samples only — decoded by msgspec.

At full rate nearly every frame is a `batch` of equity frames, and validating it was
half of the client's CPU (pydantic: ≈1.1 µs an event). msgspec decodes the same frame
straight into `EquityEvent`s, checking the same constraints (declared once in
perfdesk/domain/events.py and given to both libraries), in ≈0.7 µs with the checks
below.

`parse_frame` stays the schema of record. This path only *accepts*: whenever a frame is
not an all-equity batch it can vouch for, it returns None and `parse_frame` decides,
with its own precise error messages. It vouches only where msgspec and pydantic cannot
disagree:

* every item states `"type": "equity"` (a tag-only pass: the dataclass's `type` has a
  default, which msgspec would otherwise fill in for an item without one);
* no item holds a nested object or array (pydantic bounds the nesting depth of the
  ignored extra fields, msgspec does not): one `[` (the batch's) and one `{` per item
  plus the envelope's; a bracket inside a string only sends the frame down the general
  path;
* each distinct strategy id matches the id pattern (checked here once per id: msgspec
  would call `re` for every event);
* every timestamp is at UTC offset zero (pydantic converts another offset to UTC;
  msgspec keeps it);
* no timestamp has more than 6 digits of a second (pydantic truncates to the
  microsecond, msgspec rounds). msgspec reads only full RFC 3339 (19 characters to the
  second), so a timestamp of at most 27 characters cannot have 7; longer ones (offsets
  written out, as Python's `isoformat()` does) are searched.

tests/domain/test_fast_batch.py compares both paths on the simulator's frames and on
generated hostile ones; tests/services/test_engine_client_fuzz.py runs hostile frames
through the client.
"""

from __future__ import annotations

import re
from datetime import UTC
from operator import attrgetter
from typing import Literal

import msgspec

from perfdesk.domain.events import MAX_BATCH, MAX_FRAME_BYTES, STRATEGY_ID_PATTERN, EquityEvent


class _Tag(msgspec.Struct, gc=False):
    type: Literal["equity"]
    ts: str


class _Tags(msgspec.Struct):
    type: Literal["batch"]
    frames: list[_Tag]


class _Equities(msgspec.Struct):
    type: Literal["batch"]
    frames: list[EquityEvent]


_TAGS = msgspec.json.Decoder(_Tags)
_EQUITIES = msgspec.json.Decoder(_Equities)
_TS = attrgetter("ts")
_SID = attrgetter("strategy_id")
_SHORT = len("2026-01-05T00:00:00.123456Z")
_SUBMICRO = re.compile(r"\.\d{7}")
_STRATEGY_ID = re.compile(STRATEGY_ID_PATTERN)


def equity_batch(raw: str | bytes) -> list[EquityEvent] | None:
    """The events of an all-equity `batch` frame, or None: then ask `parse_frame`."""
    if len(raw) > MAX_FRAME_BYTES or not _may_be_batch(raw):
        return None
    try:
        tags = _TAGS.decode(raw).frames
        n = len(tags)
        if not 0 < n <= MAX_BATCH or not _flat(raw, n) or _beyond_microseconds(tags):
            return None
        events = _EQUITIES.decode(raw).frames
    except (msgspec.DecodeError, RecursionError):  # deep nesting raises RecursionError
        return None  # parse_frame gives the reason
    for sid in set(map(_SID, events)):
        if _STRATEGY_ID.fullmatch(sid) is None:  # fullmatch: `$` alone allows a final \n
            return None
    for event in events:
        if event.ts.tzinfo is not UTC:  # msgspec gives `UTC` itself for Z and +00:00
            return None
    return events


def _may_be_batch(raw: str | bytes) -> bool:
    """A batch frame has a `frames` key: plain v1 frames skip a failed decode (≈0.7 µs,
    half of their pydantic validation) by this substring search (≈0.05 µs)."""
    return ('"frames"' in raw) if isinstance(raw, str) else (b'"frames"' in raw)


def _beyond_microseconds(tags: list[_Tag]) -> bool:
    stamps = list(map(_TS, tags))
    return max(map(len, stamps)) > _SHORT and _SUBMICRO.search(" ".join(stamps)) is not None


def _flat(raw: str | bytes, n: int) -> bool:
    """One array (the batch's) and n + 1 objects (the envelope and its items)."""
    if isinstance(raw, str):
        first = raw.find("[")
        return raw.find("[", first + 1) < 0 and raw.count("{") == n + 1
    first = raw.find(b"[")
    return raw.find(b"[", first + 1) < 0 and raw.count(b"{") == n + 1
