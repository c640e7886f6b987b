"""Item-by-item checking of a batch frame that failed validation as a whole."""

from __future__ import annotations

import orjson
from pydantic import ValidationError

from perfdesk.domain.events import DATA_EVENT, MAX_BATCH, DataEvent, describe_validation_error

DeadLetter = tuple[bytes, str]


def split_batch(raw: str | bytes) -> list[DataEvent | DeadLetter] | None:
    """The items of a well-formed batch envelope, each valid or (raw item, reason).

    Returns None when `raw` is not a batch envelope at all (not JSON, not an object,
    `type` not "batch", `frames` not a non-empty list of at most MAX_BATCH) — then
    the whole frame is one dead letter. One bad item never costs the good ones.
    """
    try:
        doc = orjson.loads(raw)
    except (orjson.JSONDecodeError, RecursionError):
        return None
    if not isinstance(doc, dict) or doc.get("type") != "batch":
        return None
    items = doc.get("frames")
    if not isinstance(items, list) or not 0 < len(items) <= MAX_BATCH:
        return None
    return [_check(i, item) for i, item in enumerate(items)]


def _check(index: int, item: object) -> DataEvent | DeadLetter:
    raw = orjson.dumps(item)  # JSON mode: timestamps are text, as on the wire
    try:
        return DATA_EVENT.validate_json(raw)
    except ValidationError as exc:
        return raw, f"batch item {index}: {describe_validation_error(exc)}"
