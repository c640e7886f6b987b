"""The self-contained HTML report: inline CSS and inline SVG, no external reference.

Nothing is fetched when the file is opened (no link, script, image, font or @import),
so it can be mailed or opened on an air-gapped machine. Colours and sizes are the
design tokens' values (light theme).
"""

from __future__ import annotations

from html import escape

from perfdesk.analytics.metrics import sample_size
from perfdesk.analytics.rules import titles
from perfdesk.reports import fmt
from perfdesk.reports.charts import desk_chart, strategy_charts
from perfdesk.reports.model import Report, StrategyReport
from perfdesk.reports.style import ReportStyle, default_style
from perfdesk.reports.tables import Cell, Table, changes_table, desk_table, strategy_tables

KEY_FIGURES = (
    ("cumulative_return", "Return", "pcts"),
    ("cagr", "CAGR", "pcts"),
    ("sharpe_ratio", "Sharpe", "num"),
    ("max_drawdown", "Max drawdown", "pcts"),
    ("annual_volatility", "Volatility", "pct"),
)


def _css(s: ReportStyle) -> str:
    c = s.colors
    return f"""
*{{box-sizing:border-box}}
body{{margin:0;background:{c["page"]};color:{c["text"]};font-family:{s.font};
font-size:{s.body_px}px;line-height:1.45}}
main{{max-width:800px;margin:0 auto;padding:{s.space_2xl}px {s.space_xl}px}}
h1{{font-size:{s.heading_px + 6}px;margin:0 0 4px}}
h2{{font-size:{s.heading_px}px;margin:{s.space_2xl}px 0 {s.space_lg}px;
border-bottom:2px solid {c["border"]};padding-bottom:6px}}
h3{{font-size:{s.title_px}px;margin:{s.space_xl}px 0 8px}}
.meta{{color:{c["text2"]};font-size:{s.caption_px + 1}px}}
.card{{background:{c["card"]};border:1px solid {c["border_subtle"]};border-radius:{s.radius}px;
padding:{s.space_lg}px;margin:{s.space_lg}px 0}}
.badge{{display:inline-block;padding:2px 10px;border-radius:10px;font-weight:600;
font-size:{s.caption_px}px;letter-spacing:.04em}}
.ok{{color:{c["ok"]}}} .warning{{color:{c["warning"]}}} .critical{{color:{c["critical"]}}}
.muted{{color:{c["muted"]}}} .profit{{color:{c["profit"]}}} .loss{{color:{c["loss"]}}}
.badge.ok{{background:{c["ok_bg"]}}} .badge.warning{{background:{c["warning_bg"]}}}
.badge.critical{{background:{c["critical_bg"]}}} .badge.muted{{background:{c["neutral_bg"]}}}
.figures{{display:flex;gap:{s.space_lg}px;flex-wrap:wrap}}
.figure{{flex:1;min-width:110px}}
.figure .label{{color:{c["muted"]};font-size:{s.caption_px}px;text-transform:uppercase}}
.figure .value{{font-family:{s.mono};font-size:{s.heading_px}px;font-weight:600}}
table{{border-collapse:collapse;width:100%;font-size:{s.caption_px + 1}px;margin:4px 0}}
th{{background:{c["header"]};color:{c["text2"]};text-align:left;font-weight:600;
padding:5px 8px;border-bottom:1px solid {c["border"]}}} th.num{{text-align:right}}
td{{padding:4px 8px;border-bottom:1px solid {c["border_subtle"]};vertical-align:top;
white-space:pre-line}}
td.num{{text-align:right;font-family:{s.mono};white-space:nowrap}}
.note{{color:{c["muted"]};font-size:{s.caption_px}px;margin:4px 0}}
.chart svg{{width:100%;height:auto;display:block;border-radius:{s.radius}px}}
.chart{{margin:{s.space_lg}px 0}}
footer{{margin-top:{s.space_2xl}px;color:{c["muted"]};font-size:{s.caption_px}px}}
@media print{{body{{background:#fff}} section.strategy{{break-before:page}}}}
"""


def _badge(status: object) -> str:
    text = str(getattr(status, "value", status))
    tone = text if text in ("ok", "warning", "critical") else "muted"
    return f'<span class="badge {tone}">{escape(text.replace("_", " ").upper())}</span>'


def _table(t: Table) -> str:
    right = [bool(t.rows) and t.rows[0][j].align == "right" for j in range(len(t.columns))]
    head = "".join(
        f'<th class="num">{escape(c)}</th>' if r else f"<th>{escape(c)}</th>"
        for c, r in zip(t.columns, right, strict=True)
    )
    body = (
        "".join("<tr>" + "".join(_td(cell) for cell in row) + "</tr>" for row in t.rows)
        or f'<tr><td colspan="{len(t.columns)}" class="muted">None in the period.</td></tr>'
    )
    note = f'<p class="note">{escape(t.note)}</p>' if t.note else ""
    return f"<h3>{escape(t.title)}</h3><table><tr>{head}</tr>{body}</table>{note}"


def _td(cell: Cell) -> str:
    text, tone, align = cell.text, cell.tone, cell.align
    classes = " ".join(c for c in ("num" if align == "right" else "", tone or "") if c)
    attr = f' class="{classes}"' if classes else ""
    return f"<td{attr}>{escape(text)}</td>"


def _figures(s: StrategyReport) -> str:
    out = []
    for key, label, kind in KEY_FIGURES:
        v = sample_size.shown(s.analysis.metrics, key)  # withheld below the minimum sample
        text = fmt.num(v) if kind == "num" else fmt.pct(v, 2, signed=kind == "pcts")
        tone = fmt.tone(v) if kind == "pcts" else None
        cls = f' class="value {tone}"' if tone else ' class="value"'
        out.append(f'<div class="figure"><div class="label">{label}</div><div{cls}>'
                   f"{escape(text)}</div></div>")  # fmt: skip
    return '<div class="figures">' + "".join(out) + "</div>"


def _strategy(s: StrategyReport, style: ReportStyle) -> str:
    a = s.analysis
    verdict = s.verdict
    headline = (
        f"{_badge(s.status)} &nbsp;{escape(_headline(s))}"
        if verdict else f"{_badge(s.status)} &nbsp;No verdict: no daily returns in the period."
    )  # fmt: skip
    charts = "".join(
        f'<div class="chart" id="chart-{key}-{escape(a.strategy_id)}">'
        f"{svg.render(standalone=False)}</div>"
        for key, svg in strategy_charts(a, style)
    )
    tables = "".join(_table(t) for t in strategy_tables(s))
    notes = "".join(f'<p class="note">{escape(n)}</p>' for n in a.notes)
    return (
        f'<section class="strategy"><h2>{escape(a.name)} <span class="meta">'
        f"({escape(a.strategy_id)})</span></h2>"
        f'<div class="card"><div>{headline}</div>{_figures(s)}</div>{notes}'
        f"{charts}{tables}</section>"
    )


def _headline(s: StrategyReport) -> str:
    """ "2 of 9 rules breach: drawdown (critical), ..." or "All 9 rules pass"."""
    rules = s.verdict.rules if s.verdict else ()
    bad = [r for r in rules if r.status.value in ("warning", "critical")]
    if not bad:
        return f"All {len(rules)} rules pass or are still gathering data."
    names = ", ".join(f"{titles.rule_title(r.rule)} ({r.status.value})" for r in bad)
    return f"{len(bad)} of {len(rules)} rules breach: {names}."


def render_html(report: Report, style: ReportStyle | None = None) -> str:
    """The whole report as one HTML document (a str; write it as UTF-8)."""
    style = style or default_style()
    period = f"{fmt.day(report.start)} to {fmt.day(report.end)} (end exclusive, UTC)"
    desk = ""
    if report.is_desk:
        chart = desk_chart([s.analysis for s in report.strategies], style)
        desk = (f'{_table(desk_table(report))}<div class="chart" id="chart-desk">'
                f"{chart.render(standalone=False)}</div>")  # fmt: skip
    global_changes = (
        _table(changes_table(report.global_threshold_changes, "global_thresholds"))
        if report.global_threshold_changes else ""
    )  # fmt: skip
    body = "".join(_strategy(s, style) for s in report.strategies)
    notes = "".join(f'<p class="note">{escape(n)}</p>' for n in report.notes)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(report.title)}</title><style>{_css(style)}</style></head><body><main>"
        f"<header><h1>{escape(report.title)}</h1>"
        f'<div class="meta">Period {escape(period)} · generated {fmt.stamp(report.generated_at)}'
        f" · overall {_badge(report.status)}</div>{notes}</header>{desk}{global_changes}{body}"
        "<footer>Generated by perfdesk. Metrics follow empyrical/QuantStats conventions; "
        "returns are simple daily returns of the account equity.</footer></main></body></html>"
    )
