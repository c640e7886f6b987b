"""How every figure reads, on screens and in reports alike: numbers, signs and dashes.

One place, so a drawdown, a Sharpe or a P&L prints the same everywhere: a true minus
sign (U+2212, so columns of figures align), no "−0.0", thousands grouped, "—" for a
missing value, and an annualised figure below the minimum sample in words ("5 days —
needs 20", analytics/metrics/sample_size.py). Qt-free; views/support/fmt.py adds the
display time zone, reports/fmt.py the words reports use instead of some numbers.
"""

from __future__ import annotations

import math
from typing import Any

from perfdesk.analytics.metrics.sample_size import Insufficient

DASH = "—"


MINUS = "\u2212"


def signed_number(value: float, decimals: int, signed: bool, grouping: bool = True) -> str:
    """Formatted with a true minus sign (columns of figures align) and no "−0.0": a value
    that rounds to zero has no sign."""
    text = f"{abs(value):,.{decimals}f}" if grouping else f"{abs(value):.{decimals}f}"
    if float(text.replace(",", "")) == 0:
        return text
    if value < 0:
        return MINUS + text
    return "+" + text if signed else text


def money(value: float | None, decimals: int = 2) -> str:
    """ "1,234.50" / "−87.10"."""
    if value is None or not math.isfinite(value):
        return DASH
    return signed_number(value, decimals, signed=False)


def signed_money(value: float | None, decimals: int = 2) -> str:
    """ "+1,234.50" / "−87.10" (a true minus sign, so columns of figures align)."""
    if value is None or not math.isfinite(value):
        return DASH
    return signed_number(value, decimals, signed=True)


def percent(fraction: float | Insufficient | None, decimals: int = 1, signed: bool = False) -> str:
    """0.123 -> "12.3%" (−0.05 -> "−5.0%"; signed: "+12.3%"); an annualised figure below
    the minimum sample as "5 days — needs 20"."""
    if isinstance(fraction, Insufficient):
        return str(fraction)
    if fraction is None or not math.isfinite(fraction):
        return DASH
    return f"{signed_number(fraction * 100, decimals, signed)}%"


def depth(fraction: float | None, decimals: int = 1) -> str:
    """A drawdown as its depth below the peak, always positive: "18.3%" (the same figure
    whether the source counts it as 0.183 or −0.183; one sign on every screen)."""
    if fraction is None or not math.isfinite(fraction):
        return DASH
    return percent(abs(fraction), decimals)


def ratio(value: float | Insufficient | None, decimals: int = 2) -> str:
    """A ratio to `decimals`; below the minimum sample "5 days — needs 20"."""
    if isinstance(value, Insufficient):
        return str(value)
    if value is None or not math.isfinite(value):
        return DASH
    return signed_number(value, decimals, signed=False, grouping=False)


def number(value: float | None, digits: int = 4) -> str:
    """A measured value of any size: 4 significant digits, thousands grouped, never in
    exponent notation for everyday sizes ("1,234,567", "0.0123", "−2.5", "10")."""
    if value is None or not math.isfinite(value):
        return DASH
    if value != 0 and (abs(value) < 1e-4 or abs(value) >= 1e15):
        return f"{value:.{digits - 1}e}".replace("-", MINUS)
    magnitude = math.floor(math.log10(abs(value))) if value else 0
    text = signed_number(value, max(0, digits - 1 - magnitude), signed=False)
    return text.rstrip("0").rstrip(".") if "." in text else text


def count(value: int | None) -> str:
    return DASH if value is None else f"{value:,}"


def pnl_kind(value: float | None) -> str:
    """ "profit", "loss" or "flat": the QSS `pnl` property for a P/L figure."""
    if value is None or not math.isfinite(value) or value == 0:
        return "flat"
    return "profit" if value > 0 else "loss"


def fixed(value: float | None, decimals: int = 2) -> str:
    """A figure to `decimals` places, thousands grouped ("1,234.50", "−0.25")."""
    if value is None or not math.isfinite(value):
        return DASH
    return signed_number(value, decimals, signed=False)


def is_missing(value: Any) -> bool:
    """None, NaN and ±inf have no sensible printed value."""
    if value is None:
        return True
    return isinstance(value, float) and not math.isfinite(value)
