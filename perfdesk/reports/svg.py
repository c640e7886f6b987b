"""A tiny SVG writer for report charts: plain elements, no scripts, no external refs.

Colours come in as design-token values ("#rrggbb" or "#rrggbbaa") and are written as
an RGB colour plus an opacity attribute, which both browsers and Qt's SVG Tiny renderer
(`QSvgRenderer`, used for the PDF) understand. Coordinates are user units (CSS px).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from html import escape

import numpy as np
import numpy.typing as npt

SVG_NS = "http://www.w3.org/2000/svg"


def paint(color: str) -> tuple[str, float]:
    """("#rrggbb", opacity) from "#rrggbb" or "#rrggbbaa"."""
    c = color.strip()
    if len(c) == 9 and c.startswith("#"):
        return c[:7], round(int(c[7:9], 16) / 255.0, 3)
    return c, 1.0


def _f(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".") if abs(v) < 1e7 else f"{v:.0f}"


def _points(xs: Iterable[float], ys: Iterable[float]) -> str:
    return " ".join(f"{_f(x)},{_f(y)}" for x, y in zip(xs, ys, strict=True))


class Svg:
    """Accumulates elements; `render()` returns the document text."""

    def __init__(self, width: float, height: float, *, font: str, font_size: float) -> None:
        self.width, self.height = width, height
        self.font, self.font_size = font, font_size
        self.parts: list[str] = []

    def rect(self, x: float, y: float, w: float, h: float, fill: str, *,
             stroke: str | None = None, rx: float = 0.0) -> None:  # fmt: skip
        rgb, alpha = paint(fill)
        extra = "" if stroke is None else f' stroke="{paint(stroke)[0]}" stroke-width="1"'
        self.parts.append(
            f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(w)}" height="{_f(h)}" rx="{_f(rx)}"'
            f' fill="{rgb}" fill-opacity="{alpha}"{extra}/>'
        )

    def line(self, x1: float, y1: float, x2: float, y2: float, stroke: str, *,
             width: float = 1.0, dash: str | None = None) -> None:  # fmt: skip
        rgb, alpha = paint(stroke)
        d = "" if dash is None else f' stroke-dasharray="{dash}"'
        self.parts.append(
            f'<line x1="{_f(x1)}" y1="{_f(y1)}" x2="{_f(x2)}" y2="{_f(y2)}" stroke="{rgb}"'
            f' stroke-opacity="{alpha}" stroke-width="{_f(width)}"{d}/>'
        )

    def polyline(self, xs: Sequence[float], ys: Sequence[float], stroke: str, *,
                 width: float = 1.5, dash: str | None = None) -> None:  # fmt: skip
        if len(xs) < 2:
            return
        rgb, alpha = paint(stroke)
        d = "" if dash is None else f' stroke-dasharray="{dash}"'
        self.parts.append(
            f'<polyline points="{_points(xs, ys)}" fill="none" stroke="{rgb}"'
            f' stroke-opacity="{alpha}" stroke-width="{_f(width)}" stroke-linejoin="round"{d}/>'
        )

    def polygon(self, xs: Sequence[float], ys: Sequence[float], fill: str) -> None:
        if len(xs) < 3:
            return
        rgb, alpha = paint(fill)
        self.parts.append(
            f'<polygon points="{_points(xs, ys)}" fill="{rgb}" fill-opacity="{alpha}"'
            ' stroke="none"/>'
        )

    def text(self, x: float, y: float, text: str, fill: str, *, size: float | None = None,
             anchor: str = "start", weight: str = "normal") -> None:  # fmt: skip
        rgb, _ = paint(fill)
        self.parts.append(
            f'<text x="{_f(x)}" y="{_f(y)}" fill="{rgb}" font-size="{_f(size or self.font_size)}"'
            f' text-anchor="{anchor}" font-weight="{weight}">{escape(text)}</text>'
        )

    def render(self, *, standalone: bool = True) -> str:
        """The SVG text; `standalone` adds the namespace (needed by Qt, not by HTML5)."""
        ns = f' xmlns="{SVG_NS}"' if standalone else ""
        head = (
            f'<svg{ns} width="{_f(self.width)}" height="{_f(self.height)}"'
            f' viewBox="0 0 {_f(self.width)} {_f(self.height)}" version="1.2"'
            f' baseProfile="tiny" font-family="{escape(self.font)}">'
        )
        return head + "".join(self.parts) + "</svg>"


def decimate(
    x: npt.ArrayLike, y: npt.ArrayLike, buckets: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Min/max per bucket (in time order): a line of `2 * buckets` points that keeps the
    peaks and troughs a dense series would show at that width."""
    xs, ys = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    ok = np.isfinite(xs) & np.isfinite(ys)
    xs, ys = xs[ok], ys[ok]
    if xs.size <= 2 * buckets:
        return xs, ys
    edges = np.linspace(0, xs.size, buckets + 1).astype(np.int64)
    out_x, out_y = [], []
    for lo, hi in itertools.pairwise(edges):
        if hi <= lo:
            continue
        seg = ys[lo:hi]
        i, j = int(np.argmin(seg)) + lo, int(np.argmax(seg)) + lo
        for k in sorted({i, j}):
            out_x.append(xs[k])
            out_y.append(ys[k])
    return np.asarray(out_x), np.asarray(out_y)


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering [lo, hi] (1/2/2.5/5 × 10^n steps)."""
    if not (np.isfinite(lo) and np.isfinite(hi)) or hi <= lo:
        return [lo] if np.isfinite(lo) else []
    raw = (hi - lo) / max(count, 1)
    mag = 10 ** np.floor(np.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = np.ceil(lo / step) * step
    ticks = np.arange(first, hi + step * 1e-9, step)
    return [float(round(t, 12)) for t in ticks]
