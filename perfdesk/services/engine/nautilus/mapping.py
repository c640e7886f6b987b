"""Nautilus message-bus entries -> protocol-v1 event fields (pure, no I/O).

An entry (one Redis stream entry, `stream_per_topic=False`) has `topic`, `payload` and
`encoding`. Payloads are Nautilus's own JSON serialisation (`MsgSpecSerializer`): numbers
as strings ("10000", "1.08505"), money as "0.22 USD", timestamps in ns (strings, or
integers in older versions). `BusState.apply` folds one entry into per-strategy P&L and
returns the events it means; the same entries always give the same events (the source
re-derives seqs by replaying the stream from a checkpoint).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

_ID_CHARS = re.compile(r"[^A-Za-z0-9_.:\-]+")
EQUITY_TOPIC = "perfdesk.equity."
"""Topic prefix the documented PerfdeskEquity actor publishes each strategy's equity on."""
POSITION_EVENTS = frozenset({"PositionOpened", "PositionChanged", "PositionClosed"})


class MappingError(ValueError):
    """An entry perfdesk cannot read; the message names the field."""


def _text(v: Any) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


def decode_entry(fields: Mapping[Any, Any]) -> tuple[str, dict[str, Any]]:
    """(topic, payload object) of a stream entry, or MappingError."""
    f = {_text(k): v for k, v in fields.items()}
    if "topic" not in f or "payload" not in f:
        raise MappingError(f"entry without topic/payload (fields: {sorted(f)})")
    encoding = _text(f.get("encoding", "json")).lower()
    if encoding != "json":
        raise MappingError(f"payload encoding {encoding!r}: configure the bus with encoding='json'")
    try:
        payload = orjson.loads(f["payload"])
    except orjson.JSONDecodeError as exc:
        raise MappingError(f"payload is not JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise MappingError("payload is not an object")
    return _text(f["topic"]), payload


def number(doc: Mapping[str, Any], key: str) -> float:
    """A Nautilus number: "1.08505", 1.08505, or money "-31.44 USD"."""
    v = doc.get(key)
    if isinstance(v, str):
        v = v.split(" ", 1)[0]
    try:
        out = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise MappingError(f"{doc.get('type', 'payload')}.{key}: not a number ({v!r})") from None
    if not math.isfinite(out):
        raise MappingError(f"{doc.get('type', 'payload')}.{key}: not finite ({v!r})")
    return out


def ns_time(doc: Mapping[str, Any], *keys: str) -> datetime:
    for key in keys:
        v = doc.get(key)
        if isinstance(v, int | str) and not isinstance(v, bool) and str(v).isdigit():
            return datetime.fromtimestamp(int(v) / 1e9, UTC)
    raise MappingError(f"{doc.get('type', 'payload')}: no timestamp in {keys}")


def strategy_id(raw: Any) -> str:
    sid = _ID_CHARS.sub("_", str(raw or "")).strip("_")[:64]
    if not sid:
        raise MappingError(f"no usable strategy_id ({raw!r})")
    return sid


def fill_fields(p: Mapping[str, Any]) -> dict[str, Any]:
    side = str(p.get("order_side", p.get("side", ""))).lower()
    if side not in ("buy", "sell"):
        raise MappingError(f"OrderFilled.order_side: {side!r}")
    return {
        "ts": ns_time(p, "ts_event", "ts_init"),
        "order_id": str(p.get("client_order_id") or p.get("trade_id") or "")[:128]
        or _missing("client_order_id"),
        "symbol": str(p.get("instrument_id") or _missing("instrument_id"))[:64],
        "side": side,
        "qty": number(p, "last_qty"),
        "price": number(p, "last_px"),
        "fee": number(p, "commission") if p.get("commission") is not None else 0.0,
    }


def _missing(name: str) -> str:
    raise MappingError(f"OrderFilled.{name} is missing")


@dataclass
class StrategyBook:
    """One strategy's P&L as its position events tell it."""

    realized: dict[str, float] = field(default_factory=dict)
    unrealized: dict[str, float] = field(default_factory=dict)
    exposure: dict[str, float] = field(default_factory=dict)
    banked: float = 0.0
    """Realized P&L of the positions already closed."""
    actor_equity: bool = False
    """True once the PerfdeskEquity actor published for it: no derived equity then."""


@dataclass
class BusState:
    capital: float
    books: dict[str, StrategyBook] = field(default_factory=dict)

    def apply(self, topic: str, p: Mapping[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
        """The events (kind, strategy_id, fields) one entry means; [] for the others."""
        kind = p.get("type")
        if topic.startswith("events.order.") and kind == "OrderFilled":
            return [("fill", strategy_id(p.get("strategy_id")), fill_fields(p))]
        if topic.startswith("events.position.") and kind in POSITION_EVENTS:
            return self._position(p)
        if topic.startswith(EQUITY_TOPIC):
            sid = strategy_id(p.get("strategy_id") or topic[len(EQUITY_TOPIC) :])
            self.books.setdefault(sid, StrategyBook()).actor_equity = True
            return [("equity", sid, self._actor_equity(p))]
        return []

    def _position(self, p: Mapping[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
        sid = strategy_id(p.get("strategy_id"))
        book = self.books.setdefault(sid, StrategyBook())
        pid = str(p.get("position_id") or p.get("instrument_id"))
        realized = number(p, "realized_pnl") if p.get("realized_pnl") else 0.0
        if p.get("type") == "PositionClosed":  # a netting position id is reused: bank it
            book.banked += realized
            for part in (book.realized, book.unrealized, book.exposure):
                part.pop(pid, None)
        else:
            book.realized[pid] = realized
            open_pnl = p.get("unrealized_pnl")
            book.unrealized[pid] = number(p, "unrealized_pnl") if open_pnl else 0.0
            book.exposure[pid] = abs(number(p, "quantity")) * number(p, "last_px")
        if book.actor_equity:
            return []
        realized = book.banked + sum(book.realized.values())
        unrealized = sum(book.unrealized.values())
        return [
            (
                "equity",
                sid,
                {
                    "ts": ns_time(p, "ts_event", "ts_closed", "ts_init"),
                    "equity": self.capital + realized + unrealized,
                    "realized_pnl": realized,
                    "unrealized_pnl": unrealized,
                    "position_value": sum(book.exposure.values()),
                },
            )
        ]

    @staticmethod
    def _actor_equity(p: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "ts": ns_time(p, "ts_event", "ts_init"),
            "equity": number(p, "equity"),
            "realized_pnl": number(p, "realized_pnl"),
            "unrealized_pnl": number(p, "unrealized_pnl"),
            "position_value": number(p, "position_value"),
        }

    def snapshot(self) -> dict[str, Any]:
        return {
            sid: {
                "realized": b.realized,
                "unrealized": b.unrealized,
                "exposure": b.exposure,
                "banked": b.banked,
                "actor_equity": b.actor_equity,
            }
            for sid, b in self.books.items()
        }

    @classmethod
    def restore(cls, capital: float, doc: Mapping[str, Any]) -> BusState:
        books = {
            sid: StrategyBook(
                dict(b["realized"]),
                dict(b["unrealized"]),
                dict(b["exposure"]),
                float(b["banked"]),
                bool(b["actor_equity"]),
            )
            for sid, b in doc.items()
        }
        return cls(capital, books)
