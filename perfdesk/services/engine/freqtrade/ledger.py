"""Which Freqtrade orders have been taken, under which seq: the source's cursor.

Freqtrade gives no sequence numbers. The ledger remembers, per order id, the seq it was
given and when it filled, and hands out the next seqs. It is saved (write-ahead) before
the events it covers go to the sink; at start it is reconciled with the last seq the
database stored: an order whose seq is above it was taken but never stored and is
taken again. Orders more than `KEEP_MS` older than the newest stored one are dropped from
the ledger and from back-fills (the watermark), so the ledger stays small.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from perfdesk.services.engine.cursor import Cursor, SavedCursor

KEEP_MS = 3 * 86_400_000
"""How far behind the newest stored fill the ledger still remembers orders (3 days)."""


@dataclass
class Ledger:
    seq: int = 0
    """The last seq handed out (or stored, after a restart)."""
    orders: dict[str, tuple[int, int]] = field(default_factory=dict)
    """order id -> (seq, fill time in ms)."""
    since_ms: int = 0
    """Orders filled before this are all stored: back-fills skip them."""
    status: str | None = None
    """The last bot state taken (a restart does not repeat an unchanged one)."""

    @classmethod
    def restore(cls, saved: SavedCursor | None, stored_seq: int) -> Ledger:
        """The ledger as of the last stored seq: orders given a later seq are forgotten
        (they were never stored, so they are taken again)."""
        if saved is None:
            return cls(seq=stored_seq)
        c = saved.cursor
        orders = {
            oid: (int(v[0]), int(v[1]))
            for oid, v in dict(c.get("orders", {})).items()
            if int(v[0]) <= stored_seq
        }
        status = c.get("status") if saved.seq <= stored_seq else None
        return cls(stored_seq, orders, int(c.get("since_ms", 0)), status)

    def knows(self, order_id: str, filled_ms: int) -> bool:
        return order_id in self.orders or filled_ms < self.since_ms

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def take(self, order_id: str, filled_ms: int) -> int:
        seq = self.next_seq()
        self.orders[order_id] = (seq, filled_ms)
        return seq

    def trim(self, stored_seq: int) -> None:
        """Move the watermark up to KEEP_MS before the newest stored fill."""
        stored = [ms for seq, ms in self.orders.values() if seq <= stored_seq]
        if not stored:
            return
        mark = max(stored) - KEEP_MS
        if mark > self.since_ms:
            self.since_ms = mark
            self.orders = {
                oid: v for oid, v in self.orders.items() if v[1] >= mark or v[0] > stored_seq
            }

    def cursor(self) -> SavedCursor:
        doc: Cursor = {
            "orders": {oid: list(v) for oid, v in self.orders.items()},
            "since_ms": self.since_ms,
            "status": self.status,
        }
        return SavedCursor(doc, self.seq)
