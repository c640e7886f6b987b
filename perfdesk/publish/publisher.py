"""Publisher: what an in-house engine imports to serve perfdesk (protocol v1).

    pub = Publisher(port=8765, token=os.environ["PERFDESK_ENGINE_TOKEN"],
                    journal="/var/lib/engine/perfdesk.journal")
    await pub.start()
    pub.strategy("mom_es", name="ES momentum")
    pub.equity("mom_es", equity=1_000_250.0, realized_pnl=250.0)
    pub.fill("mom_es", order_id="o-17", symbol="ES", side="buy", qty=1, price=5001.25,
             fee=2.1, expected_price=5001.0)
    pub.status("mom_es", "paused", reason="risk limit")

Each call gives the frame the strategy's next seq, appends it to the journal (a restarted
engine continues from there and still replays it), and streams it to every connected
perfdesk, which resumes after the last seq it stored. Bad values raise ValueError at
the call. Needs `websockets` and perfdesk's protocol models only (no Qt, database or
numpy); runs on the caller's asyncio loop.
"""

from __future__ import annotations

import json
import math
import os
import ssl as ssl_lib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from perfdesk.publish.history import History
from perfdesk.publish.journal import Journal
from perfdesk.publish.server import ProtocolServer
from perfdesk.publish.session import rfc3339

STATES = frozenset({"active", "paused", "stopped", "failed"})
DEFAULT_HISTORY = 100_000
"""Frames per strategy kept in memory for resume (the journal keeps all)."""


@dataclass
class PublishedStrategy:
    """One strategy's announcement and frame history (a `Channel` of the server)."""

    strategy_id: str
    info: dict[str, Any]
    history: History
    sent: int = field(default=0)

    @property
    def last_seq(self) -> int:
        return self.history.last_seq

    def info_frame(self) -> str:
        return json.dumps(self.info, allow_nan=False)


def _finite(name: str, value: float, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if not math.isfinite(value) or (positive and value <= 0):
        raise ValueError(f"{name} must be {'> 0' if positive else 'finite'}, got {value!r}")
    return float(value)


class Publisher(ProtocolServer):
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
        ssl: ssl_lib.SSLContext | None = None,
        journal: str | os.PathLike[str] | None = None,
        engine_id: str = "perfdesk-publisher",
        history: int = DEFAULT_HISTORY,
        heartbeat_s: float = 1.0,
    ) -> None:
        """`token`: clients must send `Authorization: Bearer <token>`; `ssl`: serve
        wss:// with this server context; `journal`: the append-only file that makes
        seqs and replay survive a restart (None: in memory only)."""
        super().__init__(
            host=host,
            port=port,
            token=token,
            ssl=ssl,
            heartbeat_s=heartbeat_s,
            engine_id=engine_id,
        )
        self._capacity = history
        self.journal = Journal(journal) if journal is not None else None
        self._strategies: dict[str, PublishedStrategy] = {}
        if self.journal is not None:
            for frame in self.journal.read():
                self._restore(frame)

    async def stop(self) -> None:
        await super().stop()
        if self.journal is not None:
            self.journal.close()

    # -- the engine's calls --------------------------------------------------------------
    def strategy(
        self,
        strategy_id: str,
        *,
        name: str | None = None,
        status: str = "active",
        expectations: Mapping[str, float] | None = None,
    ) -> None:
        """Announce (or re-announce with new name/status/expectations) a strategy."""
        if not strategy_id or len(strategy_id) > 64:
            raise ValueError(f"strategy_id must be 1-64 characters, got {strategy_id!r}")
        if status not in STATES:
            raise ValueError(f"status must be one of {sorted(STATES)}, got {status!r}")
        info: dict[str, Any] = {
            "type": "strategy",
            "strategy_id": strategy_id,
            "name": name or strategy_id,
            "status": status,
        }
        if expectations:
            info["expectations"] = {k: _finite(k, v) for k, v in expectations.items()}
        self._write(info)
        self._announce(info)

    def equity(
        self,
        strategy_id: str,
        *,
        equity: float,
        realized_pnl: float = 0.0,
        unrealized_pnl: float = 0.0,
        position_value: float = 0.0,
        ts: datetime | None = None,
    ) -> int:
        """A mark-to-market sample; returns its seq."""
        return self._data(
            strategy_id,
            "equity",
            ts,
            {
                "equity": _finite("equity", equity),
                "realized_pnl": _finite("realized_pnl", realized_pnl),
                "unrealized_pnl": _finite("unrealized_pnl", unrealized_pnl),
                "position_value": _finite("position_value", position_value),
            },
        )

    def fill(
        self,
        strategy_id: str,
        *,
        order_id: str,
        symbol: str,
        side: str,
        qty: float,
        price: float,
        fee: float = 0.0,
        expected_price: float | None = None,
        ts: datetime | None = None,
    ) -> int:
        """An execution; `expected_price` (the price decided on) gives the slippage."""
        if side not in ("buy", "sell"):
            raise ValueError(f"side must be 'buy' or 'sell', got {side!r}")
        if not order_id or not symbol:
            raise ValueError("order_id and symbol must not be empty")
        fields: dict[str, Any] = {
            "order_id": order_id,
            "symbol": symbol,
            "side": side,
            "qty": _finite("qty", qty, positive=True),
            "price": _finite("price", price, positive=True),
            "fee": _finite("fee", fee),
        }
        if expected_price is not None:
            fields["expected_price"] = _finite("expected_price", expected_price, positive=True)
        return self._data(strategy_id, "fill", ts, fields)

    def status(
        self,
        strategy_id: str,
        status: str,
        *,
        reason: str | None = None,
        ts: datetime | None = None,
    ) -> int:
        """The strategy's state changed (active/paused/stopped/failed)."""
        if status not in STATES:
            raise ValueError(f"status must be one of {sorted(STATES)}, got {status!r}")
        fields: dict[str, Any] = {"status": status}
        if reason:
            fields["reason"] = reason[:1000]
        seq = self._data(strategy_id, "status", ts, fields)
        self._strategies[strategy_id].info["status"] = status
        return seq

    # -- internals ----------------------------------------------------------------------------
    def _data(self, sid: str, kind: str, ts: datetime | None, fields: dict[str, Any]) -> int:
        channel = self._strategies.get(sid)
        if channel is None:
            raise ValueError(f"unknown strategy {sid!r}: announce it with strategy() first")
        when = ts or datetime.now(UTC)
        if when.tzinfo is None:
            raise ValueError("ts must be timezone-aware")
        seq = channel.last_seq + 1
        frame = {"type": kind, "strategy_id": sid, "seq": seq, "ts": rfc3339(when), **fields}
        text = self._write(frame)
        channel.history.append(seq, text)
        self.wake()
        return seq

    def _write(self, frame: dict[str, Any]) -> str:
        text = json.dumps(frame, allow_nan=False, separators=(",", ":"))
        if self.journal is not None:
            self.journal.append(text)
        return text

    def _announce(self, info: dict[str, Any]) -> None:
        sid = info["strategy_id"]
        if sid in self._strategies:
            self._strategies[sid].info = info
            return
        channel = PublishedStrategy(sid, info, History(self._capacity))
        self._strategies[sid] = channel
        self.add_channel(channel)

    def _restore(self, frame: dict[str, Any]) -> None:
        """One journal line back into memory (no new journal line, no send)."""
        if frame.get("type") == "strategy":
            self._announce(frame)
        elif frame.get("strategy_id") in self._strategies and isinstance(frame.get("seq"), int):
            channel = self._strategies[frame["strategy_id"]]
            if frame["seq"] > channel.last_seq:
                channel.history.append(frame["seq"], json.dumps(frame, separators=(",", ":")))
                if frame.get("type") == "status":
                    channel.info["status"] = frame.get("status", channel.info["status"])
