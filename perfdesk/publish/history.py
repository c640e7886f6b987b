"""Bounded per-strategy history of encoded frames, indexed by seq (for resume/replay)."""

from __future__ import annotations


class History:
    """A ring of the last `capacity` seqs; a skipped seq is kept as a hole (None)."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"history capacity must be >= 1, got {capacity}")
        self.capacity = capacity
        self._ring: list[str | None] = [None] * capacity
        self.last_seq = 0

    def append(self, seq: int, frame: str | None) -> None:
        """Store the frame of `seq` (> last_seq); seqs jumped over become holes."""
        for hole in range(max(self.last_seq + 1, seq - self.capacity + 1), seq):
            self._ring[hole % self.capacity] = None
        self._ring[seq % self.capacity] = frame
        self.last_seq = seq

    @property
    def first_seq(self) -> int:
        """Oldest seq still held (1 until the ring has wrapped)."""
        return max(1, self.last_seq - self.capacity + 1)

    def since(self, after: int, limit: int) -> tuple[list[str], int]:
        """Up to `limit` frames with seq > `after`, and the seq to continue after.

        If `after` is older than the ring, replay starts at `first_seq` (the caller
        can tell by comparing with `first_seq` first).
        """
        start = max(after + 1, self.first_seq)
        stop = min(self.last_seq, start + limit - 1)
        ring, cap = self._ring, self.capacity
        frames = [f for f in (ring[s % cap] for s in range(start, stop + 1)) if f is not None]
        return frames, max(after, stop)
