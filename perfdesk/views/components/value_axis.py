"""A chart's value axis with short money-like labels: 1.03 M, 980 k, 12.5.

pyqtgraph's default labels switch between 1.05e+06 and 950000 on one axis; every
equity chart (History, a strategy's page) uses this one instead.
"""

from __future__ import annotations

import pyqtgraph as pg


class ValueAxis(pg.AxisItem):
    """Short labels for large values (see `short_value`)."""

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [short_value(v * scale, spacing * scale) for v in values]


def short_value(value: float, spacing: float) -> str:
    """1.03 M (two decimals when ticks are closer than 100 k), 980 k, else 4 digits."""
    size = max(abs(value), 1e-12)
    if size >= 1e6:
        return f"{value / 1e6:.{2 if spacing < 1e5 else 1}f} M"
    if size >= 1e4:
        return f"{value / 1e3:,.0f} k"
    return f"{value:.4g}"
