"""Engine wire protocol v1: the frames, validated. See docs/protocol.md.

Every engine->client frame has `type`; data frames (`equity`, `fill`, `status`) also
have `strategy_id`, `seq` (per strategy, strictly increasing from 1) and `ts` (UTC).
`parse_frame` turns raw text into a frame or raises `FrameError` with a reason a
person can act on; it never raises anything else.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, TypeVar

from msgspec import Meta
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetPydanticSchema,
    Strict,
    TypeAdapter,
    ValidationError,
)
from pydantic.dataclasses import dataclass as pydantic_dataclass
from pydantic_core import core_schema, from_json

from perfdesk.domain.expectations import Expectations
from perfdesk.domain.status import StrategyState

PROTOCOL_VERSION = 1
MAX_FRAME_BYTES = 64 * 1024
"""Frames above this size are refused before parsing (a hostile or broken engine)."""

_SID_LENGTH = {"min_length": 1, "max_length": 64}
STRATEGY_ID_PATTERN = r"^[A-Za-z0-9_.:\-]+$"
_SEQ = {"ge": 1, "le": 2**62}
_MONEY = {"ge": -1e15, "le": 1e15}
# Each constraint is given twice from one dict: to pydantic (Field, the schema of record)
# and to msgspec (Meta, the all-equity batch fast path in perfdesk/domain/fast_batch.py).
# msgspec gets a strategy id's lengths only: its pattern check calls Python's `re` for
# every value (≈0.4 µs an event); the fast path checks each distinct id of a batch once.
StrategyId = Annotated[str, Field(pattern=STRATEGY_ID_PATTERN, **_SID_LENGTH), Meta(**_SID_LENGTH)]
Seq = Annotated[int, Strict(), Field(**_SEQ), Meta(**_SEQ)]
"""Strict: `true`, `2.0` or `"3"` are not seqs."""
Money = Annotated[float, Strict(), Field(**_MONEY), Meta(**_MONEY)]
"""Strict: a JSON number (int or float), never a bool or a numeric string."""


_LABEL_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*$"
_PROSE_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
_CONTROL = {_LABEL_PATTERN: re.compile(r"[\x00-\x1f\x7f-\x9f]"),
            _PROSE_PATTERN: re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")}  # fmt: skip
"""The character classes the two patterns refuse, to say which character and where."""

Label = Annotated[str, Field(pattern=_LABEL_PATTERN)]
"""Text shown as a name or key (names, symbols, ids): no control characters at all (NUL
breaks PostgreSQL text, others break tables, logs and CSV exports). A pattern, checked
in pydantic-core (no Python call per field)."""
Prose = Annotated[str, Field(pattern=_PROSE_PATTERN)]
"""Free text (reasons, messages): tab and line breaks allowed, other control characters
(NUL above all) refused."""


def _to_utc(ts: datetime) -> datetime:
    return ts.astimezone(UTC)


def _not_a_bool(value: object) -> object:
    if isinstance(value, bool):  # True == 1 would otherwise pass as protocol 1
        raise ValueError("expected the integer 1, not a boolean")
    return value


_UTC_BRANCH, _OFFSET_BRANCH = "utc-time", "offset-time"
"""Labels of the two branches of a timestamp's schema (dropped from error locations)."""


def _utc_time_schema(_source: Any, _handler: Any) -> core_schema.CoreSchema:
    """A timestamp already at offset zero (nearly all) is checked in pydantic-core alone;
    any other offset is converted to UTC by `_to_utc`. A Python after-validator on every
    timestamp cost about a third of a data frame's validation (≈1 of 3.1 µs)."""
    utc = core_schema.datetime_schema(strict=True, tz_constraint=0)
    other = core_schema.no_info_after_validator_function(
        _to_utc, core_schema.datetime_schema(strict=True, tz_constraint="aware")
    )
    return core_schema.union_schema(
        [(utc, _UTC_BRANCH), (other, _OFFSET_BRANCH)], mode="left_to_right"
    )


UtcTime = Annotated[datetime, GetPydanticSchema(_utc_time_schema), Meta(tz=True)]
"""RFC 3339 text with an offset in JSON (a number is not an epoch here); in Python, an
aware `datetime` (strict: validate dicts of JSON text with `validate_json`). The result
is at UTC offset zero; its tzinfo is `datetime.UTC` or pydantic's equal `TzInfo(0)`
(`ts.tzinfo == UTC`, `ts.utcoffset() == timedelta(0)`)."""


class _Frame(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, allow_inf_nan=False)


class Hello(_Frame):
    type: Literal["hello"] = "hello"
    protocol: Annotated[Literal[1], BeforeValidator(_not_a_bool)] = 1
    engine_id: Label = Field(min_length=1, max_length=128)
    server_time: UtcTime


class StrategyInfo(_Frame):
    type: Literal["strategy"] = "strategy"
    strategy_id: StrategyId
    name: Label = Field(min_length=1, max_length=200)
    status: StrategyState
    expectations: Expectations | None = None


_EVENT_CONFIG = ConfigDict(extra="ignore", allow_inf_nan=False)
"""Data events are slotted pydantic dataclasses, not BaseModels: validated the same way
(the same schema and errors, also on construction), but one object of ≈100 bytes each
instead of a model, its __dict__ and its fields-set (≈1 KB). Up to tens of thousands
wait in the store writer at full rate; at that size the client's validation and COPY
encoding ran ≈10-20 % faster end to end (docs/protocol.md, "Third round")."""


@pydantic_dataclass(frozen=True, slots=True, kw_only=True, config=_EVENT_CONFIG)
class EquityEvent:
    """A mark-to-market sample of a strategy's account."""

    type: Literal["equity"] = "equity"
    strategy_id: StrategyId
    seq: Seq
    ts: UtcTime
    equity: Money
    realized_pnl: Money
    unrealized_pnl: Money
    position_value: Money


@pydantic_dataclass(frozen=True, slots=True, kw_only=True, config=_EVENT_CONFIG)
class FillEvent:
    """An execution; `expected_price` (if sent) gives the slippage."""

    type: Literal["fill"] = "fill"
    strategy_id: StrategyId
    seq: Seq
    ts: UtcTime
    order_id: Annotated[Label, Field(min_length=1, max_length=128)]
    symbol: Annotated[Label, Field(min_length=1, max_length=64)]
    side: Literal["buy", "sell"]
    qty: Annotated[float, Strict(), Field(gt=0, le=1e12)]
    price: Annotated[float, Strict(), Field(gt=0, le=1e12)]
    fee: Annotated[float, Strict(), Field(ge=-1e9, le=1e9)] = 0.0
    expected_price: Annotated[float, Strict(), Field(gt=0, le=1e12)] | None = None

    @property
    def slippage_bps(self) -> float | None:
        """Adverse slippage in basis points (positive = worse than expected)."""
        if self.expected_price is None:
            return None
        sign = 1.0 if self.side == "buy" else -1.0
        return sign * (self.price - self.expected_price) / self.expected_price * 1e4


@pydantic_dataclass(frozen=True, slots=True, kw_only=True, config=_EVENT_CONFIG)
class StatusEvent:
    type: Literal["status"] = "status"
    strategy_id: StrategyId
    seq: Seq
    ts: UtcTime
    status: StrategyState
    reason: Annotated[Prose, Field(max_length=1000)] | None = None


class Heartbeat(_Frame):
    type: Literal["heartbeat"] = "heartbeat"
    server_time: UtcTime


class EngineError(_Frame):
    type: Literal["error"] = "error"
    code: Label = Field(max_length=64)
    message: Prose = Field(max_length=2000)


DataEvent = EquityEvent | FillEvent | StatusEvent
"""Frames that carry a (strategy_id, seq) and are stored."""

DATA_TYPES = frozenset({"equity", "fill", "status"})
"""`type` values of the data frames (those with a strategy_id and seq)."""

MAX_BATCH = 4096
"""Most data frames one `batch` frame may carry (protocol v1 extension)."""

_DataFrame = Annotated[EquityEvent | FillEvent | StatusEvent, Field(discriminator="type")]
DATA_EVENT: TypeAdapter[DataEvent] = TypeAdapter(_DataFrame)
"""Validates one data frame (already decoded JSON) — used for per-item batch checks —
and dumps one (`DATA_EVENT.dump_json(event)`: the frame as the engine sent it)."""
DATA_EVENTS: TypeAdapter[list[DataEvent]] = TypeAdapter(list[_DataFrame])
"""A list of data frames, to and from JSON (the disk spool)."""

_E = TypeVar("_E", EquityEvent, FillEvent, StatusEvent)


def unchecked(cls: type[_E], **fields: Any) -> _E:
    """An event built without validation, like BaseModel.model_construct: for data that
    is valid already (rows read back from the database, generated benchmark data).
    Fields not given take their defaults."""
    event = object.__new__(cls)
    for f in dataclasses.fields(cls):
        if f.name in fields:
            value = fields[f.name]
        elif f.default is not dataclasses.MISSING:
            value = f.default
        else:
            raise TypeError(f"{cls.__name__}: missing field {f.name!r}")
        object.__setattr__(event, f.name, value)
    return event


class Batch(_Frame):
    """engine->client extension: several data frames in one message, in seq order.

    Sent only to a client that asked for it with `subscribe.batch` > 1; each item is
    exactly the frame that would otherwise be sent alone.
    """

    type: Literal["batch"] = "batch"
    frames: list[_DataFrame] = Field(min_length=1, max_length=MAX_BATCH)


Frame = Annotated[
    Hello | StrategyInfo | EquityEvent | FillEvent | StatusEvent | Heartbeat | EngineError | Batch,
    Field(discriminator="type"),
]
_FRAME = TypeAdapter(Frame)


class Subscribe(BaseModel):
    """client->engine: which strategies, and the last seq stored for each (resume).

    `batch` (extension): the most data frames the client accepts per `batch` frame;
    1 (the default) means plain v1 single frames. Engines ignore fields they do not know.
    """

    model_config = ConfigDict(extra="ignore")
    type: Literal["subscribe"] = "subscribe"
    strategies: list[StrategyId | Literal["*"]] = Field(
        default_factory=lambda: ["*"], max_length=10_000
    )
    resume: dict[StrategyId, Annotated[int, Strict(), Field(ge=0, le=2**62)]] = Field(
        default_factory=dict, max_length=10_000
    )
    batch: int = Field(1, ge=1, le=MAX_BATCH)


class Ping(BaseModel):
    type: Literal["ping"] = "ping"


ClientFrame = Annotated[Subscribe | Ping, Field(discriminator="type")]
_CLIENT_FRAME = TypeAdapter(ClientFrame)


class FrameError(ValueError):
    """A frame that did not validate. `reason` says what was wrong and where."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_frame(raw: str | bytes) -> Frame:
    """Validate one text frame. Raises FrameError (only) with a precise reason."""
    if len(raw) > MAX_FRAME_BYTES:
        raise FrameError(f"frame of {len(raw)} bytes exceeds the {MAX_FRAME_BYTES}-byte limit")
    try:
        return _FRAME.validate_json(raw)
    except ValidationError as exc:
        raise FrameError(describe_validation_error(exc)) from None
    except (ValueError, RecursionError) as exc:  # jiter depth/encoding errors
        raise FrameError(f"not valid JSON: {exc}") from None


def strategy_without_profile(raw: str | bytes, reason: str) -> tuple[StrategyInfo, str] | None:
    """A `strategy` frame refused (for `reason`) only because of its backtest profile:
    the strategy with its summary expectations, and a sentence saying what was dropped
    and why. None for any other frame, or one with faults beyond the profile. A profile
    is a derived table (quantiles, a fitted model); an inconsistent one is dropped, the
    strategy is kept and judged on its summary figures."""
    if len(raw) > MAX_FRAME_BYTES:
        return None
    try:
        doc = from_json(raw)
    except ValueError:
        return None
    if not isinstance(doc, dict) or doc.get("type") != "strategy":
        return None
    exp = doc.get("expectations")
    if not isinstance(exp, dict) or "profile" not in exp:
        return None
    try:
        info = StrategyInfo.model_validate(doc | {"expectations": exp | {"profile": None}})
    except ValidationError:
        return None
    note = (
        f"strategy {info.strategy_id}: its backtest profile was dropped ({reason}); the"
        " strategy is kept and judged on its summary expectations"
    )
    return info, note


def parse_client_frame(raw: str | bytes) -> Subscribe | Ping:
    """Validate one client->engine frame (engine side). Raises FrameError only."""
    if len(raw) > MAX_FRAME_BYTES:
        raise FrameError(f"frame of {len(raw)} bytes exceeds the {MAX_FRAME_BYTES}-byte limit")
    try:
        return _CLIENT_FRAME.validate_json(raw)
    except ValidationError as exc:
        raise FrameError(describe_validation_error(exc)) from None
    except (ValueError, RecursionError) as exc:
        raise FrameError(f"not valid JSON: {exc}") from None


def _message(err: Any) -> str:
    """pydantic's message, or for a control character which one and where."""
    control = _CONTROL.get((err.get("ctx") or {}).get("pattern", ""))
    if control is not None and (bad := control.search(str(err.get("input")))) is not None:
        return f"control character {bad.group()!r} at position {bad.start()} is not allowed"
    return str(err["msg"])


def describe_validation_error(exc: ValidationError, limit: int = 3) -> str:
    """One line per problem: `field.path: message (got ...)`, at most `limit` lines.

    A bad timestamp fails both branches of its schema with the same message: it is
    reported once, at the field's own path."""
    lines: list[str] = []
    for err in exc.errors(include_url=False):
        path = [str(p) for p in err["loc"] if p not in (_UTC_BRANCH, _OFFSET_BRANCH)]
        got = repr(err.get("input"))
        got = got if len(got) <= 40 else got[:37] + "..."
        line = f"{'.'.join(path) or 'frame'}: {_message(err)} (got {got})"
        if line not in lines:
            lines.append(line)
    more = len(lines) - limit
    parts = lines[:limit]
    if more > 0:
        parts.append(f"... and {more} more")
    return "; ".join(parts)
