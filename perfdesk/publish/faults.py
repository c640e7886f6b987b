"""Fault injection: what a misbehaving engine or network does (the simulator, tests).

Probabilities are per frame sent (drop, repeat, malformed, stall) or per seq generated
(skip). All draws come from the server's seeded generator.
"""

from __future__ import annotations

from dataclasses import dataclass

MALFORMED_FRAMES: tuple[str | bytes, ...] = (
    '{"type":"equity","strategy_id":"x","seq":1,',  # truncated JSON
    '{"type":"teleport","strategy_id":"x"}',  # unknown type
    '{"type":"equity","strategy_id":"x","seq":"one","ts":"2026-01-05T00:00:00Z"}',
    '{"type":"equity","strategy_id":"x","seq":1,"ts":"2026-01-05T00:00:00Z",'
    '"equity":NaN,"realized_pnl":0,"unrealized_pnl":0,"position_value":0}',
    '{"type":"fill","strategy_id":"x","seq":2,"ts":"yesterday","order_id":"o",'
    '"symbol":"ES","side":"sideways","qty":-1,"price":0}',
    "[1, 2, 3]",
    b"\xff\xfe\x00binary garbage",
)
"""Frames a broken engine sends; none consumes a seq. Bytes go out as binary frames."""


@dataclass(frozen=True, slots=True)
class FaultConfig:
    """Which faults to inject and how often. All zero = a well-behaved engine."""

    drop_prob: float = 0.0
    """Per frame: abort the TCP connection (no close handshake)."""
    skip_prob: float = 0.0
    """Per generated event: the engine jumps over a seq (a real, permanent gap)."""
    repeat_prob: float = 0.0
    """Per data frame: send it twice (a duplicate the client must drop)."""
    malformed_prob: float = 0.0
    """Per frame: send a malformed frame before it."""
    stall_prob: float = 0.0
    """Per frame: stop sending anything (heartbeats included) for `stall_s` seconds."""
    stall_s: float = 15.0

    @property
    def any_on_send(self) -> bool:
        """True if any per-sent-frame fault is enabled (the fast path skips them)."""
        return any((self.drop_prob, self.repeat_prob, self.malformed_prob, self.stall_prob))

    def __post_init__(self) -> None:
        for name in ("drop_prob", "skip_prob", "repeat_prob", "malformed_prob", "stall_prob"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"fault {name} must be a probability in [0, 1], got {value}")
        if self.stall_s < 0:
            raise ValueError(f"fault stall_s must be >= 0 seconds, got {self.stall_s}")
