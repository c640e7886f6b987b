"""The minimum sample for annualised figures, in one place.

An annualised figure from a handful of days is a number nobody should read: five days at
+2 % a day annualise to a CAGR of 2,625 % and a Sharpe of 130. Below `MIN_PERIODS`
returns (20 trading days for daily returns) every screen, report and export shows such
a figure as `Insufficient` ("5 days — needs 20") instead of the number. The formula
still runs (the value is kept on the `Insufficient` for tests and tooltips); only what
is shown changes. Figures that are not annualised (cumulative return, max drawdown,
best day, win rate …) are shown at any sample size.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

MIN_PERIODS = 20
"""Returns needed before an annualised figure is shown (20 trading days ≈ one month)."""

ANNUALISED = frozenset({
    "cagr", "annual_volatility", "sharpe_ratio", "smart_sharpe", "sortino_ratio",
    "smart_sortino", "calmar_ratio", "downside_risk", "alpha", "risk_adjusted_return",
    "3y_ann", "5y_ann", "10y_ann", "all_time_ann",
    "capture", "up_capture", "down_capture", "up_down_capture",
})  # fmt: skip
"""`full_report` keys whose value is scaled to a year (the `periods_per_year` exponent or
√periods_per_year): the ones the minimum sample applies to."""

PERIODS_KEY = "periods"
"""The `full_report` key holding the number of returns the figures were computed from."""

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Insufficient:
    """An annualised figure withheld: computed from `have` returns, shown only from `need`.

    `str()` is what a trader reads ("5 days — needs 20"); `value` is the withheld number.
    """

    have: int
    need: int
    value: float = math.nan
    unit: str = "days"

    def __str__(self) -> str:
        return " — ".join(self.parts())

    def parts(self) -> tuple[str, str]:
        """("5 days", "needs 20"): for a narrow place that shows them on two lines."""
        one = self.unit.removesuffix("s") if self.have == 1 else self.unit
        return f"{self.have} {one}", f"needs {self.need}"


def annualised(value: T, periods: int | None) -> T | Insufficient:
    """`value` when at least MIN_PERIODS returns stand behind this annualised figure (or
    their number is unknown: None), else `Insufficient` carrying it."""
    if periods is None or periods >= MIN_PERIODS:
        return value
    number = float(value) if isinstance(value, int | float) else math.nan
    return Insufficient(int(periods), MIN_PERIODS, number)


def gate(key: str, value: T, periods: int | None) -> T | Insufficient:
    """`annualised` for the `full_report` keys in ANNUALISED; other figures pass as they are."""
    return annualised(value, periods) if key in ANNUALISED else value


def shown(metrics: Mapping[str, Any], key: str) -> Any:
    """The value of `key` in a `full_report` dict as a screen or report may show it."""
    periods = metrics.get(PERIODS_KEY)
    return gate(key, metrics.get(key), int(periods) if periods is not None else None)
