"""The title a trader reads for a rule id (Qt-free, for messages that leave perfdesk).

The titles match the verification table's (`views/verification/verification_model.py`
RULE_TITLES). When the rule registry (`perfdesk/analytics/rules/registry.py`) lands,
`rule_title` becomes one line over it; an unknown id falls back to the id itself.
"""

from __future__ import annotations

_TITLES = {
    "drawdown": "Drawdown",
    "sharpe": "Sharpe (PSR)",
    "psr": "Sharpe (PSR)",
    "distribution": "Distribution",
    "cusum": "CUSUM drift",
    "page_hinkley": "Page–Hinkley",
    "win_rate": "Win rate",
    "slippage": "Slippage",
    "trade_frequency": "Trade frequency",
    "daily_loss": "Daily loss",
    "stale_feed": "Feed",
    "stale": "Stale feed",
}


def rule_title(rule: str) -> str:
    """ "Drawdown" for "drawdown"; the id itself for a rule without a title."""
    return _TITLES.get(rule, rule)
