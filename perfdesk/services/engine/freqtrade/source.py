"""FreqtradeSource: one Freqtrade bot (one strategy) through its API server.

Per connection: `/show_config` names the strategy (the bot's name); the ledger is
restored from the cursor store against the last stored seq (first connection only);
`/token/login` gives the WebSocket its token; after subscribing to fills and status the
source back-fills every filled order it has not taken from REST (`/status` for open
trades, `/trades` for closed ones) — so nothing that happened while it was away is
missed — and then polls equity (`/balance`, `/profit`) every `poll_s` and back-fills
again whenever the WebSocket says an order filled (and every `trades_every_s` anyway).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl as ssl_lib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import orjson
from pydantic import ValidationError

from perfdesk.domain.events import EquityEvent, FillEvent, StatusEvent, StrategyInfo
from perfdesk.services.engine.adapter import AdapterSource, reason_of
from perfdesk.services.engine.cursor import CursorStore
from perfdesk.services.engine.freqtrade import mapping
from perfdesk.services.engine.freqtrade.ledger import Ledger
from perfdesk.services.engine.freqtrade.rest import FreqtradeRest, split_url
from perfdesk.services.engine.source import EventSink, Resume, SourceConfig

log = logging.getLogger(__name__)
SUBSCRIBE = {"type": "subscribe", "data": ["entry_fill", "exit_fill", "status"]}


def build(
    config: SourceConfig, sink: EventSink, resume: Resume, cursors: CursorStore
) -> FreqtradeSource:
    base, user, password = split_url(config.url, config.token)
    ssl = (
        ssl_lib.create_default_context(cafile=config.ca_file) if base.startswith("https") else None
    )
    return FreqtradeSource(FreqtradeRest(base, user, password, ssl=ssl), sink, resume, cursors)


def source_key(url: str) -> str:
    """`freqtrade+http://host:port` without credentials (the cursor's key)."""
    p = urlsplit(url)
    return f"{p.scheme.lower()}://{p.hostname}" + (f":{p.port}" if p.port else "") + p.path


class FreqtradeSource(AdapterSource):
    def __init__(
        self,
        rest: FreqtradeRest,
        sink: EventSink,
        resume: Resume,
        cursors: CursorStore,
        *,
        poll_s: float = 5.0,
        trades_every_s: float = 60.0,
    ) -> None:
        super().__init__(source_key("freqtrade+" + rest.base), sink, resume, cursors)
        self.rest, self.poll_s, self.trades_every_s = rest, poll_s, trades_every_s
        self.strategy_id: str | None = None
        self.ledger: Ledger | None = None
        self.drift = mapping.Drift()
        self.notes: list[str] = []
        """What this bot's version does differently (fields under older names)."""
        self._refused: set[str] = set()
        self._lock = asyncio.Lock()
        self._backfill_due = asyncio.Event()

    async def stop(self) -> None:
        await super().stop()
        await self.rest.close()

    # -- one connection ------------------------------------------------------------------
    async def _session(self) -> None:
        config = await self.rest.get("show_config")
        if not isinstance(config, Mapping):
            raise mapping.MappingError("show_config: not an object")
        info = StrategyInfo(**mapping.strategy_fields(config))
        await self._start_ledger(info.strategy_id)
        await self.announce(info)
        token = await self.rest.login()
        ws = await self.rest.open_ws(token)
        try:
            await ws.send_json(SUBSCRIBE)
            self.connected()
            await self._take_status(str(config.get("state", "")), "bot state at connect")
            await self.backfill()
            poller = asyncio.create_task(self._poll_forever(), name="freqtrade-poll")
            try:
                await self._read(ws)
            finally:
                poller.cancel()
                await asyncio.gather(poller, return_exceptions=True)
        finally:
            await ws.close()

    async def _start_ledger(self, sid: str) -> None:
        if self.strategy_id not in (None, sid):
            log.warning("bot renamed from %s to %s: a new strategy", self.strategy_id, sid)
            self.ledger = None
        self.strategy_id = sid
        stored = (await self.stored_seqs(required=self.ledger is None)).get(sid, 0)
        if self.ledger is None:
            saved = (await self.cursors.load(self.key)).get(sid)
            self.ledger = Ledger.restore(saved, stored)
            self._last[sid] = self.ledger.seq
        else:
            self.ledger.trim(stored)

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for msg in ws:
            if msg.type is aiohttp.WSMsgType.ERROR:
                raise ConnectionError(f"websocket error: {ws.exception()}")
            if msg.type not in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
                continue
            self.frame_seen()
            await self.on_message(msg.data)
        raise ConnectionError(f"websocket closed (code {ws.close_code})")

    async def _poll_forever(self) -> None:
        loop = asyncio.get_running_loop()
        next_trades = loop.time() + self.trades_every_s
        while True:
            await self.poll_equity()
            timeout = max(0.0, min(self.poll_s, next_trades - loop.time()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._backfill_due.wait(), timeout)
            if self._backfill_due.is_set() or loop.time() >= next_trades:
                self._backfill_due.clear()
                await self.backfill()
                next_trades = loop.time() + self.trades_every_s

    # -- messages ----------------------------------------------------------------------------
    async def on_message(self, raw: str | bytes) -> None:
        """One WebSocket message: a fill triggers a back-fill, a status is taken."""
        try:
            doc = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            await self.dead_letter(raw, f"freqtrade message: not valid JSON: {exc}")
            return
        kind = doc.get("type") if isinstance(doc, dict) else None
        if not isinstance(kind, str):
            await self.dead_letter(raw, "freqtrade message: not an object with a 'type'")
            return
        if kind in mapping.FILL_MESSAGES:
            if kind in ("buy_fill", "sell_fill"):
                self.drift.note(kind, f"{kind} messages (freqtrade before 2022.4): read as fills")
            if not isinstance(doc.get("trade_id"), int):
                await self.dead_letter(raw, f"freqtrade {kind}: no integer trade_id")
                return
            self._backfill_due.set()
        elif kind == "status":
            text = doc.get("status", doc.get("data"))
            if not isinstance(text, str):
                await self.dead_letter(raw, "freqtrade status: 'status' is not text")
                return
            await self._take_status(text, text)

    async def _take_status(self, text: str, reason: str) -> None:
        state = mapping.state_of(text)
        if state is None or self.ledger is None or self.strategy_id is None:
            return  # startup/warning texts that name no state
        async with self._lock:
            if self.ledger.status == state.value:
                return
            before = (self.ledger.seq, self.ledger.status)
            seq = self.ledger.next_seq()
            self.ledger.status = state.value
            event = StatusEvent(
                strategy_id=self.strategy_id,
                seq=seq,
                ts=datetime.now(UTC),
                status=state,
                reason=reason[:1000],
            )
            await self._save_or_undo(before, {})
            await self.deliver([event])

    # -- back-fill and polls -------------------------------------------------------------------
    async def backfill(self) -> int:
        """Take every filled order not yet taken (open trades, then closed ones back to the
        ledger's watermark) in fill-time order; returns how many."""
        assert self.ledger is not None
        trades = list(await self._open_trades())
        async for trade in self.rest.closed_trades_since(self.ledger.since_ms):
            trades.append(trade)
        found = await self._new_fills(trades)
        if found:
            await self._emit_fills(found)
        self._report_drift()
        return len(found)

    async def _open_trades(self) -> list[Mapping[str, Any]]:
        doc = await self.rest.get("status")
        return [t for t in doc if isinstance(t, Mapping)] if isinstance(doc, list) else []

    async def _new_fills(self, trades: list[Mapping[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
        assert self.ledger is not None
        found: dict[str, tuple[int, dict[str, Any]]] = {}
        for trade in trades:
            for order in trade.get("orders") or ():
                if not isinstance(order, Mapping) or not mapping.is_filled(order):
                    continue
                oid = str(order.get("order_id"))
                if oid in found or oid in self._refused:
                    continue
                try:
                    ms = mapping.fill_time_ms(order, self.drift)
                    if self.ledger.knows(oid, ms):
                        continue
                    found[oid] = (ms, mapping.fill_fields(order, trade, self.drift))
                except mapping.MappingError as exc:
                    self._refused.add(oid)
                    await self.dead_letter(orjson.dumps(dict(order)), f"freqtrade {exc}")
        return sorted(found.values(), key=lambda f: (f[0], f[1]["order_id"]))

    async def _emit_fills(self, found: list[tuple[int, dict[str, Any]]]) -> None:
        assert self.ledger is not None and self.strategy_id is not None
        async with self._lock:
            before = (self.ledger.seq, self.ledger.status)
            taken: dict[str, int] = {}
            events = []
            for ms, fields in found:
                seq = self.ledger.seq + 1
                try:
                    event = FillEvent(strategy_id=self.strategy_id, seq=seq, **fields)
                except ValidationError as exc:
                    self._refused.add(fields["order_id"])
                    raw = orjson.dumps(fields, default=str)
                    await self.dead_letter(raw, f"freqtrade fill: {reason_of(exc)}")
                    continue
                self.ledger.take(fields["order_id"], ms)
                taken[fields["order_id"]] = ms
                events.append(event)
            await self._save_or_undo(before, taken)
            await self.deliver(events)

    async def _save_or_undo(self, before: tuple[int, str | None], taken: dict[str, int]) -> None:
        """Write-ahead: the cursor is saved before the events go on; if it cannot be,
        the ledger goes back and the error ends the session (taken again next time)."""
        assert self.ledger is not None and self.strategy_id is not None
        try:
            await self.cursors.save(self.key, self.strategy_id, self.ledger.cursor())
        except Exception:
            self.ledger.seq, self.ledger.status = before
            for oid in taken:
                self.ledger.orders.pop(oid, None)
            raise

    async def poll_equity(self) -> None:
        balance = await self.rest.get("balance")
        profit = await self.rest.get("profit")
        assert self.ledger is not None and self.strategy_id is not None
        try:
            if not isinstance(balance, Mapping) or not isinstance(profit, Mapping):
                raise mapping.MappingError("balance/profit: not objects")
            fields = mapping.equity_fields(balance, profit, datetime.now(UTC), self.drift)
            async with self._lock:
                seq = self.ledger.seq + 1
                event = EquityEvent(strategy_id=self.strategy_id, seq=seq, **fields)
                self.ledger.seq = seq
                await self.deliver([event])
        except (mapping.MappingError, ValidationError) as exc:
            raw = orjson.dumps({"balance": balance, "profit": profit}, default=str)
            await self.dead_letter(raw, f"freqtrade equity: {reason_of(exc)}")
        self._report_drift()

    def _report_drift(self) -> None:
        """Fields this bot's version has elsewhere: logged once each, kept in `notes`."""
        while self.drift.notes:
            note = self.drift.notes.pop(0)
            self.notes.append(note)
            log.warning("freqtrade at %s: %s", self.rest.base, note)
