"""Report styling from the design tokens (light theme by default: reports get printed)."""

from __future__ import annotations

from dataclasses import dataclass

from perfdesk.theme.theme import Theme, load_theme
from perfdesk.theme.tokens import PnlConvention


@dataclass(frozen=True)
class ReportStyle:
    """Resolved token values the report renderers need (colours "#rrggbb[aa]", px)."""

    font: str
    mono: str
    body_px: int
    caption_px: int
    title_px: int
    heading_px: int
    space_lg: int
    space_xl: int
    space_2xl: int
    radius: int
    colors: dict[str, str]

    def c(self, key: str) -> str:
        return self.colors[key]


_COLORS = {
    "page": "colors.surface.base",
    "card": "colors.surface.raised",
    "header": "colors.surface.header",
    "text": "colors.text.primary",
    "text2": "colors.text.secondary",
    "muted": "colors.text.muted",
    "border": "colors.border.default",
    "border_subtle": "colors.border.subtle",
    "accent": "colors.accent.default",
    "ok": "colors.semantic.status.success",
    "warning": "colors.semantic.status.warning",
    "critical": "colors.semantic.status.error",
    "neutral": "colors.semantic.status.neutral",
    "ok_bg": "colors.semantic.status_subtle.success",
    "warning_bg": "colors.semantic.status_subtle.warning",
    "critical_bg": "colors.semantic.status_subtle.error",
    "neutral_bg": "colors.semantic.status_subtle.neutral",
    "profit": "colors.semantic.profit",
    "loss": "colors.semantic.loss",
    "profit_bg": "colors.semantic.profit_subtle",
    "loss_bg": "colors.semantic.loss_subtle",
    "chart_bg": "colors.chart.background",
    "grid": "colors.chart.grid",
    "axis": "colors.chart.axis",
    "line": "colors.chart.line",
    "fill": "colors.chart.fill",
    "baseline": "colors.chart.baseline",
    # Series colours for desk charts: the colour-blind-safe Okabe-Ito palette.
    "s1": "palette.okabe_ito.blue",
    "s2": "palette.okabe_ito.orange",
    "s3": "palette.okabe_ito.bluish_green",
    "s4": "palette.okabe_ito.vermillion",
    "s5": "palette.okabe_ito.sky_blue",
    "s6": "palette.slate.600",
}
SERIES = ("s1", "s2", "s3", "s4", "s5", "s6")


def _families(families: tuple[str, ...]) -> str:
    return ", ".join(f"'{f}'" if " " in f else f for f in families)


def from_theme(theme: Theme) -> ReportStyle:
    body = theme.typography("typography.semantic.body")
    return ReportStyle(
        font=_families(body.families),
        mono=_families(theme.typography("typography.semantic.price").families),
        body_px=body.size_px,
        caption_px=theme.typography("typography.semantic.caption").size_px,
        title_px=theme.typography("typography.semantic.title").size_px,
        heading_px=theme.typography("typography.semantic.heading").size_px,
        space_lg=theme.px("spacing.semantic.lg"),
        space_xl=theme.px("spacing.semantic.xl"),
        space_2xl=theme.px("spacing.semantic.2xl"),
        radius=theme.px("radius.md"),
        colors={k: theme.color(path) for k, path in _COLORS.items()},
    )


def default_style(
    theme: str = "light", convention: PnlConvention | str = PnlConvention.GREEN_UP
) -> ReportStyle:
    return from_theme(load_theme(theme, convention=convention))
