"""The report's charts as SVG, styled from the design tokens.

Five charts per strategy: equity (live vs backtest), underwater drawdown, monthly
returns heatmap, rolling Sharpe, forecast cone. Each function returns an `Svg`; the
HTML renderer inlines it and the PDF renderer draws it as vectors with QSvgRenderer.
Dense series are reduced to min/max per pixel column first (`svg.decimate`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from perfdesk.analytics.history_types import HistoryAnalysis
from perfdesk.reports import fmt
from perfdesk.reports.style import SERIES, ReportStyle
from perfdesk.reports.svg import Svg, decimate, nice_ticks, paint
from perfdesk.reports.tables import MONTHS

WIDTH, HEIGHT = 720.0, 250.0
PAD_L, PAD_R, PAD_T, PAD_B = 64.0, 16.0, 30.0, 28.0

Arr = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Frame:
    """The plot area and its data ranges; maps data to SVG coordinates."""

    x0: float
    y0: float
    w: float
    h: float
    xmin: float
    xmax: float
    ymin: float
    ymax: float

    def x(self, v: Arr | float) -> Arr:
        span = (self.xmax - self.xmin) or 1.0
        return self.x0 + (np.asarray(v, dtype=np.float64) - self.xmin) / span * self.w

    def y(self, v: Arr | float) -> Arr:
        span = (self.ymax - self.ymin) or 1.0
        return self.y0 + self.h - (np.asarray(v, dtype=np.float64) - self.ymin) / span * self.h


def _canvas(style: ReportStyle, title: str, height: float = HEIGHT) -> Svg:
    svg = Svg(WIDTH, height, font=style.font, font_size=style.caption_px)
    svg.rect(0, 0, WIDTH, height, style.c("chart_bg"))
    svg.text(PAD_L, 18, title, style.c("text"), size=style.body_px, weight="bold")
    return svg


def _frame(xs: Sequence[Arr], ys: Sequence[Arr], height: float = HEIGHT, *,
           include_zero: bool = False, xlim: tuple[float | None, float | None] = (None, None),
           ) -> Frame | None:  # fmt: skip
    xa = np.concatenate([np.asarray(x, dtype=np.float64) for x in xs]) if xs else np.empty(0)
    ya = np.concatenate([np.asarray(y, dtype=np.float64) for y in ys]) if ys else np.empty(0)
    xa, ya = xa[np.isfinite(xa)], ya[np.isfinite(ya)]
    if xa.size < 2 or ya.size < 2:
        return None
    lo, hi = float(ya.min()), float(ya.max())
    if include_zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    pad = (hi - lo) * 0.06 or abs(hi) * 0.01 or 1.0
    x_lo = float(xa.min()) if xlim[0] is None else min(float(xa.min()), xlim[0])
    x_hi = float(xa.max()) if xlim[1] is None else max(float(xa.max()), xlim[1])
    return Frame(PAD_L, PAD_T, WIDTH - PAD_L - PAD_R, height - PAD_T - PAD_B,
                 x_lo, x_hi, lo - pad, hi + pad)  # fmt: skip


def _period(a: HistoryAnalysis) -> tuple[float | None, float | None]:
    return a.start_ts, a.end_ts


def _y_axis(svg: Svg, f: Frame, style: ReportStyle, label: Callable[[float], str]) -> None:
    for tick in nice_ticks(f.ymin, f.ymax, 5):
        y = float(f.y(tick))
        svg.line(f.x0, y, f.x0 + f.w, y, style.c("grid"))
        svg.text(f.x0 - 6, y + 4, label(tick), style.c("axis"), anchor="end")


def _time_axis(svg: Svg, f: Frame, style: ReportStyle) -> None:
    """Month ticks for long ranges, week-ish ticks for short ones (UTC dates)."""
    for ts, text in _time_ticks(f.xmin, f.xmax):
        x = float(f.x(ts))
        if x > f.x0 + f.w - 12:
            continue
        svg.line(x, f.y0 + f.h, x, f.y0 + f.h + 4, style.c("axis"))
        svg.text(x, f.y0 + f.h + 17, text, style.c("axis"), anchor="middle")
    svg.line(f.x0, f.y0 + f.h, f.x0 + f.w, f.y0 + f.h, style.c("baseline"))


def _time_ticks(lo: float, hi: float) -> list[tuple[float, str]]:
    days = (hi - lo) / 86_400.0
    if days > 70:
        return _month_ticks(lo, hi, max(1, math.ceil(days / 30.5 / 8)))
    step = 86_400.0 * max(1, math.ceil(days / 7))
    first = math.ceil(lo / 86_400.0) * 86_400.0
    return [(t, fmt.day(t)[5:]) for t in np.arange(first, hi + 1, step)]


def _month_ticks(lo: float, hi: float, every: int) -> list[tuple[float, str]]:
    start = datetime.fromtimestamp(lo, UTC)
    index = start.year * 12 + start.month  # the month after lo's month (0-based + 1)
    out: list[tuple[float, str]] = []
    while True:
        year, month = divmod(index, 12)
        ts = datetime(year, month + 1, 1, tzinfo=UTC).timestamp()
        if ts > hi:
            return out
        if (month % every) == 0:
            out.append((ts, f"{MONTHS[month]} {year % 100:02d}" if month == 0 else MONTHS[month]))
        index += 1


Legend = list[tuple[str, str, str | None]]


def _legend(svg: Svg, items: Legend, style: ReportStyle) -> None:
    x = WIDTH - PAD_R
    for label, color, dash in reversed(items):
        width = 6.3 * len(label) + 30
        x -= width
        svg.line(x, 14, x + 16, 14, color, width=2, dash=dash)
        svg.text(x + 20, 18, label, style.c("text2"))


def _empty(svg: Svg, style: ReportStyle, message: str) -> Svg:
    svg.text(WIDTH / 2, HEIGHT / 2, message, style.c("muted"), anchor="middle")
    return svg


def _line(svg: Svg, f: Frame, x: Arr, y: Arr, color: str, *, width: float = 1.5,
          dash: str | None = None) -> None:  # fmt: skip
    dx, dy = decimate(x, y, int(f.w))
    svg.polyline(list(f.x(dx)), list(f.y(dy)), color, width=width, dash=dash)


def equity_chart(a: HistoryAnalysis, style: ReportStyle) -> Svg:
    """Live equity over the period with the backtest (and expected path) overlaid."""
    svg = _canvas(style, "Equity: live vs backtest")
    series = [(a.t, a.equity)]
    if a.backtest_t.size > 1:
        series.append((a.backtest_t, a.backtest_equity))
    if a.expected_t.size:
        series.append((a.expected_t, a.expected_equity))
    f = _frame([s[0] for s in series], [s[1] for s in series], xlim=_period(a))
    if f is None:
        return _empty(svg, style, "no equity data in the period")
    _y_axis(svg, f, style, fmt.money)
    _time_axis(svg, f, style)
    legend: Legend = [("Live", style.c("line"), None)]
    if a.backtest_t.size > 1:
        _line(svg, f, a.backtest_t, a.backtest_equity, style.c("neutral"), dash="5,3")
        legend.append(("Backtest", style.c("neutral"), "5,3"))
    if a.expected_t.size:
        _line(svg, f, a.expected_t, a.expected_equity, style.c("warning"), width=1.2, dash="2,3")
        legend.append(("Backtest expectation", style.c("warning"), "2,3"))
    if a.go_live_ts is not None and f.xmin < a.go_live_ts < f.xmax:
        gx = float(f.x(a.go_live_ts))
        svg.line(gx, f.y0, gx, f.y0 + f.h, style.c("axis"), dash="3,3")
        svg.text(gx + 4, f.y0 + 12, "go-live", style.c("axis"))
    _line(svg, f, a.t, a.equity, style.c("line"), width=1.8)
    _legend(svg, legend, style)
    return svg


def underwater_chart(a: HistoryAnalysis, style: ReportStyle) -> Svg:
    """Drawdown from the running peak (≤ 0), as a filled area."""
    svg = _canvas(style, "Underwater (drawdown from peak)", 200.0)
    f = _frame([a.t], [a.underwater], 200.0, include_zero=True, xlim=_period(a))
    if f is None:
        return _empty(svg, style, "no equity data in the period")
    f = Frame(f.x0, f.y0, f.w, f.h, f.xmin, f.xmax, f.ymin, 0.0)
    _y_axis(svg, f, style, lambda v: fmt.pct(v, 0 if abs(f.ymin) > 0.05 else 1))
    _time_axis(svg, f, style)
    dx, dy = decimate(a.t, a.underwater, int(f.w))
    xs = [f.x0 + 0.0, *f.x(dx), float(f.x(dx[-1]))] if dx.size else []
    ys = [float(f.y(0.0)), *f.y(dy), float(f.y(0.0))] if dx.size else []
    if xs:
        xs[0] = float(f.x(dx[0]))
        svg.polygon(xs, ys, style.c("loss_bg"))
        svg.polyline(list(f.x(dx)), list(f.y(dy)), style.c("loss"), width=1.2)
    return svg


def _heat(value: float, scale: float, style: ReportStyle) -> tuple[str, float]:
    """Fill colour and opacity for one heatmap cell (stronger = larger |return|)."""
    rgb, _ = paint(style.c("profit" if value >= 0 else "loss"))
    return rgb, 0.12 + 0.68 * min(1.0, abs(value) / scale)


def heatmap_chart(a: HistoryAnalysis, style: ReportStyle) -> Svg:
    """Monthly returns: one row per year, one column per month, plus the year total."""
    years = sorted(a.monthly)
    height = PAD_T + 26.0 * max(1, len(years)) + 30.0
    svg = _canvas(style, "Monthly returns", height)
    if not years:
        return _empty(svg, style, "no monthly returns in the period")
    values = np.asarray([v[:12] for v in a.monthly.values()], dtype=np.float64)
    finite = values[np.isfinite(values)]
    scale = float(np.max(np.abs(finite))) if finite.size else 1.0
    cell_w, cell_h, x0, y0 = (WIDTH - PAD_L - PAD_R) / 13.0, 26.0, PAD_L, PAD_T + 14
    for j, name in enumerate((*MONTHS, "Year")):
        svg.text(x0 + (j + 0.5) * cell_w, y0 - 4, name, style.c("axis"), anchor="middle")
    for i, year in enumerate(years):
        y = y0 + i * cell_h
        svg.text(x0 - 8, y + 17, str(year), style.c("axis"), anchor="end")
        for j, v in enumerate(a.monthly[year][:13]):
            _heat_cell(svg, style, (x0 + j * cell_w, y, cell_w, cell_h), v, scale, total=j == 12)
    return svg


def _heat_cell(svg: Svg, style: ReportStyle, box: tuple[float, float, float, float],
               v: float, scale: float, *, total: bool) -> None:  # fmt: skip
    x, y, w, h = box
    if not math.isfinite(v):
        svg.rect(x + 1, y + 1, w - 2, h - 2, style.c("neutral_bg"), rx=3)
        return
    rgb, alpha = _heat(v, scale, style)
    svg.rect(x + 1, y + 1, w - 2, h - 2, rgb + f"{round(alpha * 255):02x}", rx=3)
    ink = style.c("card") if alpha > 0.5 else style.c("text")
    svg.text(x + w / 2, y + 17, fmt.pct(v, 1, signed=True), ink, anchor="middle")
    if total:
        svg.rect(x + 1, y + 1, w - 2, h - 2, "#00000000", stroke=style.c("text2"), rx=3)


def rolling_sharpe_chart(a: HistoryAnalysis, style: ReportStyle) -> Svg:
    """Rolling annualised Sharpe of daily returns, with the backtest Sharpe as reference."""
    r = a.rolling
    svg = _canvas(style, f"Rolling Sharpe ({r.window} days)", 200.0)
    ok = np.isfinite(r.sharpe)
    bt = a.metrics_backtest.get("sharpe_ratio")
    ref = [float(bt)] if isinstance(bt, float) and math.isfinite(bt) else []
    f = _frame(
        [r.day[ok]],
        [np.concatenate([r.sharpe[ok], ref])],
        200.0,
        include_zero=True,
        xlim=_period(a),
    )
    if f is None:
        return _empty(svg, style, f"fewer than {r.window} days: no rolling Sharpe yet")
    _y_axis(svg, f, style, lambda v: fmt.num(v, 1))
    _time_axis(svg, f, style)
    svg.line(f.x0, float(f.y(0.0)), f.x0 + f.w, float(f.y(0.0)), style.c("baseline"))
    legend: Legend = [("Live", style.c("line"), None)]
    if ref:
        svg.line(f.x0, float(f.y(ref[0])), f.x0 + f.w, float(f.y(ref[0])), style.c("neutral"),
                 width=1.2, dash="5,3")  # fmt: skip
        legend.append(("Backtest Sharpe", style.c("neutral"), "5,3"))
    _line(svg, f, r.day[ok], r.sharpe[ok], style.c("line"), width=1.6)
    _legend(svg, legend, style)
    return svg


def cone_chart(a: HistoryAnalysis, style: ReportStyle) -> Svg:
    """Bootstrap forecast cone from the backtest (5-95 % and 25-75 %) with the live path."""
    svg = _canvas(style, "Forecast cone (backtest bootstrap)")
    cone = a.cone
    if cone is None or cone.days.size < 2:
        return _empty(svg, style, "no backtest profile: no forecast cone")
    bands = cone.bands - 1.0
    live = cone.live - 1.0
    f = _frame([cone.days], [bands[0], bands[-1], live], include_zero=True)
    if f is None:
        return _empty(svg, style, "no forecast cone")
    _y_axis(svg, f, style, lambda v: fmt.pct(v, 0))
    for tick in nice_ticks(f.xmin, f.xmax, 6):
        x = float(f.x(tick))
        svg.text(x, f.y0 + f.h + 17, f"day {tick:.0f}", style.c("axis"), anchor="middle")
    svg.line(f.x0, f.y0 + f.h, f.x0 + f.w, f.y0 + f.h, style.c("baseline"))
    xs = list(f.x(cone.days))
    n = len(cone.levels)
    for lo, hi in ((0, n - 1), (1, n - 2)):
        if lo < hi:
            svg.polygon(xs + xs[::-1], list(f.y(bands[lo])) + list(f.y(bands[hi]))[::-1],
                        style.c("fill"))  # fmt: skip
    svg.polyline(xs, list(f.y(bands[n // 2])), style.c("neutral"), width=1.2, dash="5,3")
    ok = np.isfinite(live)
    svg.polyline(list(f.x(cone.days[ok])), list(f.y(live[ok])), style.c("line"), width=1.8)
    pct_text = fmt.pct(cone.live_percentile, 0)
    _legend(svg, [(f"Live (percentile {pct_text})", style.c("line"), None),
                  ("Median", style.c("neutral"), "5,3")], style)  # fmt: skip
    return svg


def desk_chart(analyses: Sequence[HistoryAnalysis], style: ReportStyle) -> Svg:
    """Every strategy's equity rebased to 100 at the start of the period, one colour each."""
    svg = _canvas(style, "Desk: equity rebased to 100")
    series = []
    for a in analyses:
        ok = np.isfinite(a.equity) & (a.equity > 0)
        if ok.sum() >= 2:
            series.append((a.name, a.t[ok], 100.0 * a.equity[ok] / a.equity[ok][0]))
    first = analyses[0] if analyses else None
    xlim = _period(first) if first is not None else (None, None)
    f = _frame([s[1] for s in series], [s[2] for s in series], xlim=xlim)
    if f is None:
        return _empty(svg, style, "no equity data in the period")
    _y_axis(svg, f, style, lambda v: fmt.num(v, 0))
    _time_axis(svg, f, style)
    svg.line(f.x0, float(f.y(100.0)), f.x0 + f.w, float(f.y(100.0)), style.c("baseline"))
    legend: Legend = []
    for i, (name, t, y) in enumerate(series):
        color = style.c(SERIES[i % len(SERIES)])
        _line(svg, f, t, y, color, width=1.5)
        legend.append((name, color, None))
    _legend(svg, legend[:4], style)
    return svg


def strategy_charts(a: HistoryAnalysis, style: ReportStyle) -> list[tuple[str, Svg]]:
    """(key, chart) in report order."""
    return [
        ("equity", equity_chart(a, style)),
        ("underwater", underwater_chart(a, style)),
        ("monthly", heatmap_chart(a, style)),
        ("rolling_sharpe", rolling_sharpe_chart(a, style)),
        ("cone", cone_chart(a, style)),
    ]
