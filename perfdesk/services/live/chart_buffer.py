"""A bounded (t, y) series for live charts: O(1) amortised appends, fixed memory.

Points fall into buckets of `stride` consecutive samples; a closed bucket keeps only
its lowest and highest point (in time order), so peaks and troughs survive thinning —
the global minimum and maximum are always drawn. When the store is full it halves
itself the same way (min and max of each group of four) and the stride doubles.
The open bucket and the newest point are always part of what is drawn.
"""

from __future__ import annotations

import numpy as np

from perfdesk.domain.snapshot import FloatArray

Point = tuple[float, float]


class ChartBuffer:
    def __init__(self, capacity: int = 2048) -> None:
        if capacity < 8 or capacity % 4:
            raise ValueError("capacity must be a multiple of 4, at least 8")
        self._t = np.empty(capacity)
        self._y = np.empty(capacity)
        self._n = 0
        self._stride = 1
        self._open = 0
        self._lo: Point = (0.0, 0.0)
        self._hi: Point = (0.0, 0.0)
        self._new: Point = (0.0, 0.0)

    def __len__(self) -> int:
        return len(self.arrays()[0])

    def append(self, t: float, y: float) -> None:
        p = (t, y)
        opened = self._open
        if opened == 0:
            self._lo = self._hi = p
        else:
            if y < self._lo[1]:
                self._lo = p
            if y > self._hi[1]:
                self._hi = p
        self._new = p
        opened += 1
        if opened < self._stride:
            self._open = opened
            return
        self._open = 0
        if opened == 1:  # stride 1: the bucket is this point
            self._commit(p)
        else:
            for q in self._bucket_points():
                self._commit(q)

    def arrays(self) -> tuple[FloatArray, FloatArray]:
        """Copies of the points to draw, oldest first, always ending at the newest."""
        extra = self._bucket_points() if self._open else []
        last_t = extra[-1][0] if extra else (self._t[self._n - 1] if self._n else None)
        if last_t != self._new[0] and (self._n or extra or self._open):
            extra.append(self._new)
        t = np.concatenate([self._t[: self._n], [p[0] for p in extra]])
        y = np.concatenate([self._y[: self._n], [p[1] for p in extra]])
        return t, y

    def _bucket_points(self) -> list[Point]:
        if self._lo == self._hi:
            return [self._lo]
        return sorted([self._lo, self._hi])

    def _commit(self, p: Point) -> None:
        if self._n == len(self._t):
            self._compact()
        self._t[self._n], self._y[self._n] = p
        self._n += 1

    def _compact(self) -> None:
        t = self._t.reshape(-1, 4)
        y = self._y.reshape(-1, 4)
        lo, hi = np.argmin(y, axis=1), np.argmax(y, axis=1)
        hi = np.where(lo == hi, 3, hi)  # a flat group: keep its first low and its last point
        first, second = np.minimum(lo, hi), np.maximum(lo, hi)
        rows = np.arange(len(y))
        half = 2 * len(rows)
        self._t[:half] = np.column_stack([t[rows, first], t[rows, second]]).ravel()
        self._y[:half] = np.column_stack([y[rows, first], y[rows, second]]).ravel()
        self._n = half
        self._stride *= 2
