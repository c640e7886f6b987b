from datetime import UTC, datetime

from perfdesk.sim.clock import EPOCH, calendar_time, recent_epoch


def test_recent_epoch_is_a_monday_midnight_about_two_months_back() -> None:
    now = datetime(2026, 11, 25, 17, 35, tzinfo=UTC)  # a Wednesday
    epoch = recent_epoch(now)
    assert epoch.weekday() == 0
    assert (epoch.hour, epoch.minute, epoch.second, epoch.microsecond) == (0, 0, 0, 0)
    assert 60 <= (now - epoch).days < 67


def test_calendar_time_follows_the_epoch_and_skips_weekends() -> None:
    epoch = datetime(2026, 9, 28, tzinfo=UTC)  # a Monday
    assert calendar_time(0.0, epoch) == epoch
    friday_noon = calendar_time(4 * 86_400 + 43_200, epoch)
    assert friday_noon == datetime(2026, 10, 2, 12, tzinfo=UTC)
    assert calendar_time(5 * 86_400, epoch) == datetime(2026, 10, 5, tzinfo=UTC)  # Monday
    assert calendar_time(0.0) == EPOCH
