"""Returns over trailing calendar windows ending at the last date: MTD, 3M, 6M, YTD, 1Y
compounded; 3Y, 5Y, 10Y and all-time annualised (QuantStats' report rows, same cut-offs:
"3Y" starts 35 months before the last date, "5Y" 59, "10Y" 119, as QuantStats counts)."""

from __future__ import annotations

import calendar
from datetime import date

import numpy as np
import numpy.typing as npt

from perfdesk.analytics.metrics._core import PERIODS_PER_YEAR, clean_with_dates
from perfdesk.analytics.metrics.returns import annual_return, cum_returns_final

# name -> months back from the last date (compounded total)
TOTAL_WINDOWS = {"3m": 3, "6m": 6, "1y": 12}
# name -> months back (annualised), None = the whole series
ANNUAL_WINDOWS = {"3y_ann": 35, "5y_ann": 59, "10y_ann": 119, "all_time_ann": None}


def months_before(day: date, months: int) -> date:
    """The same day of the month `months` earlier, clamped to that month's last day."""
    year, month0 = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month0 + 1, min(day.day, calendar.monthrange(year, month0 + 1)[1]))


def trailing_returns(
    returns: npt.ArrayLike, dates: npt.ArrayLike, periods_per_year: float = PERIODS_PER_YEAR
) -> dict[str, float]:
    """{"mtd", "3m", "6m", "ytd", "1y", "3y_ann", "5y_ann", "10y_ann", "all_time_ann"};
    empty when there are no returns."""
    r, when = clean_with_dates(returns, dates)
    if r.size == 0:
        return {}
    days = when.astype("datetime64[D]")
    last: date = days[-1].astype(object)
    starts = {
        "mtd": last.replace(day=1),
        "ytd": last.replace(month=1, day=1),
    } | {name: months_before(last, k) for name, k in TOTAL_WINDOWS.items()}
    out = {
        name: cum_returns_final(r[days >= np.datetime64(start, "D")])
        for name, start in starts.items()
    }
    for name, months in ANNUAL_WINDOWS.items():
        first = days[0] if months is None else np.datetime64(months_before(last, months), "D")
        out[name] = annual_return(r[days >= first], periods_per_year)
    return out
