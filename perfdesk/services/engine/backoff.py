"""Reconnect delays: exponential backoff with jitter ("equal jitter")."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass(slots=True)
class Backoff:
    """Delay before reconnect attempt n: uniform in [d/2, d], d = min(cap, base·2ⁿ).

    Jitter keeps many clients from reconnecting in lock-step after an engine restart;
    `reset()` after a connection that worked, so a flapping link starts fast again.
    """

    base_s: float = 0.2
    cap_s: float = 15.0
    rng: random.Random = field(default_factory=random.Random)
    attempt: int = 0

    def next_delay(self) -> float:
        d = min(self.cap_s, self.base_s * 2.0 ** min(self.attempt, 30))
        self.attempt += 1
        return self.rng.uniform(d / 2.0, d)

    def reset(self) -> None:
        self.attempt = 0
