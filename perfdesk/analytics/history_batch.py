"""History analyses of several strategies in worker processes: what crosses the
process boundary, and putting the result back together.

`analyze_detached` runs in a worker: the same `history_analysis.analyze`, but the
result goes back without its `t`/`equity` series (the caller already holds them; 6
months of 1-minute bars are 4 MB a strategy), and `attach` puts the caller's arrays
back in. So a batch result is the per-strategy result, field for field.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from perfdesk.analytics import history_analysis
from perfdesk.analytics.history_types import HistoryAnalysis, HistoryInput
from perfdesk.domain.thresholds import Thresholds

_NONE = np.empty(0, dtype=np.float64)


def analyze_detached(data: HistoryInput, thresholds: Thresholds | None) -> HistoryAnalysis:
    """`history_analysis.analyze(data, thresholds)` minus its `t`/`equity` (see `attach`)."""
    result = history_analysis.analyze(data, thresholds)
    return dataclasses.replace(result, t=_NONE, equity=_NONE)


def attach(result: HistoryAnalysis, data: HistoryInput) -> HistoryAnalysis:
    """The detached result with the input's series back: what `analyze` returns."""
    return dataclasses.replace(result, t=data.t, equity=data.equity)
