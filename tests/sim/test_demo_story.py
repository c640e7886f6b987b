"""The demo's story holds when its strategies are judged by their backtest profiles.

The demo desk's frames (backfill, then live) go through the protocol parser into the
live monitor, validated once per simulated wall second (the demo's 10 equity samples per
strategy per second, one trading day per minute), for its first seven minutes: the four
healthy strategies stay OK throughout, FX carry turns critical when it breaks (25 s) and
stays critical, and Mean reversion's drift is flagged. Deterministic: every demo strategy
has its own seed.
"""

from __future__ import annotations

from datetime import UTC, datetime

from perfdesk.domain.events import parse_frame
from perfdesk.domain.status import Status
from perfdesk.services.live.monitor import LiveMonitor
from perfdesk.sim.demo import demo_simulator

MINUTES = 8
HEALTHY = ("trend-healthy", "statarb-healthy", "cmdty-healthy", "rates-healthy")
BAD = (Status.WARNING, Status.CRITICAL)


def test_healthy_stay_ok_the_break_is_critical_and_the_decay_drifts():
    sim = demo_simulator(datetime(2026, 11, 26, tzinfo=UTC))
    wall = [1.8e9]
    monitor = LiveMonitor(clock=lambda: wall[0])
    sent = dict.fromkeys(sim.strategy_ids, 0)
    for feed in sim.feeds:
        info = parse_frame(feed.info_frame())
        monitor.on_strategy(info)  # type: ignore[arg-type]
        assert info.expectations.profile is not None  # type: ignore[union-attr]

    def deliver() -> None:
        for feed in sim.feeds:
            frames, sent[feed.strategy_id] = feed.history.since(sent[feed.strategy_id], 10**7)
            monitor.on_events([parse_frame(f) for f in frames])  # type: ignore[misc]

    deliver()  # the half-year backfill
    flagged: dict[tuple[str, str], tuple[int, Status]] = {}
    statuses: dict[str, list[Status]] = {sid: [] for sid in sim.strategy_ids}
    for second in range(MINUTES * 60 + 1):
        if second:
            for feed in sim.feeds:
                feed.advance(round(sim.rate))
            wall[0] += 1.0
            deliver()
        for verdict in monitor.validate(datetime.fromtimestamp(wall[0], UTC)):
            statuses[verdict.strategy_id].append(verdict.status)
            for r in verdict.rules:
                if r.status in BAD:
                    flagged.setdefault((verdict.strategy_id, r.rule), (second, r.status))

    for sid in HEALTHY:
        assert set(statuses[sid]) == {Status.OK}, (sid, flagged)
    breaking = statuses["carry-break"]
    critical_from = breaking.index(Status.CRITICAL)
    assert 20 <= critical_from <= 40, flagged
    assert set(breaking[critical_from:]) == {Status.CRITICAL}
    assert set(breaking[:critical_from]) == {Status.OK}
    decaying = statuses["meanrev-decay"]
    assert Status.WARNING in decaying[-60:] or Status.CRITICAL in decaying[-60:], flagged
    # the Sharpe decay rule speaks first (about 7 min), the CUSUM at about 9 (defaults of
    # the seventh round: docs/validation.md)
    assert ("meanrev-decay", "sharpe_decay") in flagged, flagged
    assert set(decaying[:120]) == {Status.OK}  # the decay takes minutes to show
