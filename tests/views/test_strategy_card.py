"""Strategy card footer: how long ago the last event ARRIVED (wall clock), not the age of
the event's own (market) timestamp, and the age keeps counting while nothing arrives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from views_factories import make_snapshot

from perfdesk.views.dashboard.strategy_card import StrategyCard

WALL = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
MARKET = WALL - timedelta(days=65)  # a sped-up simulator's clock


def test_footer_shows_arrival_age_not_market_time(qtbot) -> None:
    card = StrategyCard("s1")
    qtbot.addWidget(card)
    arrived = (WALL - timedelta(seconds=3)).timestamp()
    card.show_snapshot(make_snapshot(last_ts=MARKET, received_at=arrived), now=WALL)
    assert card.events.text() == "1,234 events · last: 3 s ago"
    assert "65 d" not in card.events.text()
    assert MARKET.astimezone().strftime("%Y-%m-%d") in card.events.toolTip()


def test_age_grows_while_no_new_event_arrives(qtbot) -> None:
    card = StrategyCard("s1")
    qtbot.addWidget(card)
    snap = make_snapshot(received_at=WALL.timestamp())
    assert card.show_snapshot(snap, now=WALL)
    # Same version (nothing new): not a repaint of the figures, but the age moves on.
    assert not card.show_snapshot(snap, now=WALL + timedelta(seconds=90))
    assert card.events.text() == "1,234 events · last: 1 min ago"
    assert not card.show_snapshot(snap, now=WALL + timedelta(seconds=179.5))
    assert card.events.text() == "1,234 events · last: 2 min ago"
    # Within the same second the footer is not rewritten (1 Hz is enough to read).
    assert not card.show_snapshot(snap, now=WALL + timedelta(seconds=180.2))
    assert card.events.text() == "1,234 events · last: 2 min ago"
    assert not card.show_snapshot(snap, now=WALL + timedelta(seconds=180.6))
    assert card.events.text() == "1,234 events · last: 3 min ago"


def test_before_any_live_event(qtbot) -> None:
    card = StrategyCard("s1")
    qtbot.addWidget(card)
    card.show_snapshot(make_snapshot(received_at=None), now=WALL)
    assert card.events.text() == "1,234 events · none live yet"
    later = WALL + timedelta(seconds=2)
    card.show_snapshot(make_snapshot(version=2, received_at=later.timestamp() - 0.4), now=later)
    assert card.events.text() == "1,234 events · last: just now"
