"""Freqtrade's REST and WebSocket payloads -> protocol-v1 fields (pure, no I/O).

Each function returns the fields of one event *without* its seq (the source assigns
seqs) or raises `MappingError` naming the field. Field names follow freqtrade's own
schemas (`rpc/api_server/api_schemas.py`: TradeSchema, OrderSchema, Balances, Profit,
ShowConfig; `rpc/rpc_types.py`: RPCStatusMsg). Older bots are read too: fields that
moved between versions are looked up under each name and the fallback is reported once
(`Drift`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from perfdesk.domain.status import StrategyState

_ID_CHARS = re.compile(r"[^A-Za-z0-9_.:\-]+")
STATES: dict[str, StrategyState] = {
    "running": StrategyState.ACTIVE,
    "paused": StrategyState.PAUSED,
    "stopbuy": StrategyState.PAUSED,  # before 2024.x "pause" was called stopbuy/stopentry
    "stopentry": StrategyState.PAUSED,
    "stopped": StrategyState.STOPPED,
}
"""Freqtrade's bot states (`/show_config` `state`, WebSocket `status`) -> ours."""
FILL_MESSAGES = frozenset({"entry_fill", "exit_fill", "buy_fill", "sell_fill"})
"""WebSocket message types that mean "an order filled" (buy_/sell_fill before 2022.4)."""


class MappingError(ValueError):
    """A payload perfdesk cannot read; the message names the field."""


@dataclass
class Drift:
    """Fields found under an older name (or missing) in this bot's version: reported
    once each through `notes` (the source logs them and counts them)."""

    notes: list[str] = field(default_factory=list)
    _seen: set[str] = field(default_factory=set)

    def note(self, key: str, text: str) -> None:
        if key not in self._seen:
            self._seen.add(key)
            self.notes.append(text)


def strategy_id_of(config: Mapping[str, Any]) -> str:
    """The bot's name (`bot_name`, default "freqtrade") as a protocol-v1 strategy id."""
    name = str(config.get("bot_name") or "freqtrade")
    sid = _ID_CHARS.sub("_", name).strip("_")[:64]
    return sid or "freqtrade"


def state_of(text: str) -> StrategyState | None:
    """Our state for a freqtrade state text, None if it names none."""
    return STATES.get(text.strip().lower())


def strategy_fields(config: Mapping[str, Any]) -> dict[str, Any]:
    sid = strategy_id_of(config)
    strategy = config.get("strategy")
    name = f"{config.get('bot_name') or sid} ({strategy})" if strategy else sid
    state = state_of(str(config.get("state", ""))) or StrategyState.ACTIVE
    return {"strategy_id": sid, "name": name[:200], "status": state}


def _number(doc: Mapping[str, Any], key: str, where: str) -> float:
    value = doc.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MappingError(f"{where}.{key}: expected a number (got {value!r})")
    return float(value)


def _ms_time(ms: Any, where: str) -> datetime:
    if isinstance(ms, bool) or not isinstance(ms, int | float):
        raise MappingError(f"{where}: expected a timestamp in ms (got {ms!r})")
    return datetime.fromtimestamp(ms / 1000.0, UTC)


def is_filled(order: Mapping[str, Any]) -> bool:
    """A finished order that executed something (closed, or cancelled after a part)."""
    filled = order.get("filled")
    return not order.get("is_open", False) and isinstance(filled, int | float) and filled > 0


def fill_time_ms(order: Mapping[str, Any], drift: Drift) -> int:
    """When the order filled; bots before 2023.x only have the order's own time."""
    ms = order.get("order_filled_timestamp")
    if ms is None:
        drift.note(
            "order_filled_timestamp",
            "orders have no order_filled_timestamp (freqtrade before 2023.1?): "
            "fills are timed by order_timestamp",
        )
        ms = order.get("order_timestamp")
    if isinstance(ms, bool) or not isinstance(ms, int | float):
        raise MappingError(f"order {order.get('order_id')!r}: no fill time (got {ms!r})")
    return int(ms)


def _side(order: Mapping[str, Any], trade: Mapping[str, Any]) -> tuple[str, bool]:
    """(buy/sell, is an entry). A stoploss order exits: sells a long, buys back a short."""
    raw = order.get("ft_order_side", order.get("side"))
    short = bool(trade.get("is_short", False))
    entry_side = "sell" if short else "buy"
    if raw == "stoploss":
        return ("buy" if short else "sell"), False
    if raw not in ("buy", "sell"):
        raise MappingError(f"order {order.get('order_id')!r}.ft_order_side: got {raw!r}")
    return str(raw), raw == entry_side


def fill_fields(order: Mapping[str, Any], trade: Mapping[str, Any], drift: Drift) -> dict[str, Any]:
    """A filled order of a trade as a fill: qty filled, average price, the fee from the
    trade's fee rate, the requested rate as the expected price (slippage)."""
    oid = order.get("order_id")
    if not isinstance(oid, str) or not oid:
        raise MappingError(f"trade {trade.get('trade_id')!r}: an order has no order_id")
    where = f"order {oid!r}"
    side, entry = _side(order, trade)
    qty = _number(order, "filled", where)
    price = order.get("average") or order.get("safe_price") or order.get("price")
    if isinstance(price, bool) or not isinstance(price, int | float) or price <= 0:
        raise MappingError(f"{where}: no average/safe_price (got {price!r})")
    rate = trade.get("fee_open") if entry else trade.get("fee_close", trade.get("fee_open"))
    fee = float(rate) * qty * float(price) if isinstance(rate, int | float) else 0.0
    expected = trade.get("open_rate_requested" if entry else "close_rate_requested")
    pair = order.get("pair") or trade.get("pair")
    return {
        "ts": _ms_time(fill_time_ms(order, drift), where),
        "order_id": oid[:128],
        "symbol": str(pair)[:64],
        "side": side,
        "qty": qty,
        "price": float(price),
        "fee": fee,
        "expected_price": float(expected)
        if isinstance(expected, int | float) and expected > 0
        else None,
    }


def equity_fields(
    balance: Mapping[str, Any], profit: Mapping[str, Any], now: datetime, drift: Drift
) -> dict[str, Any]:
    """`/balance` + `/profit` as one equity sample at `now` (freqtrade keeps no history
    of either: the sample is the poll)."""
    if "total_bot" in balance:
        equity = _number(balance, "total_bot", "balance")
    else:
        drift.note("total_bot", "balance has no total_bot (freqtrade before 2023.2?): using total")
        equity = _number(balance, "total", "balance")
    realized = _number(profit, "profit_closed_coin", "profit")
    unrealized = _number(profit, "profit_all_coin", "profit") - realized
    stake = balance.get("stake")
    position = 0.0
    for cur in balance.get("currencies") or ():
        if isinstance(cur, Mapping) and cur.get("currency") != stake:
            value = cur.get("est_stake_bot", cur.get("est_stake"))
            if isinstance(value, int | float) and not isinstance(value, bool):
                position += float(value)
    return {
        "ts": now,
        "equity": equity,
        "realized_pnl": realized,
        "unrealized_pnl": unrealized,
        "position_value": position,
    }
