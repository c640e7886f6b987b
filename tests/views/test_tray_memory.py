"""A desk runs for weeks: the tray remembers its latest popups, not every one it showed."""

from __future__ import annotations

from perfdesk.domain.status import Status
from perfdesk.views.shell.tray import RECENT_POPUPS, BannerFallbackNotifier, Popup


def _popup(i: int) -> Popup:
    return Popup(f"alert {i}", "body", Status.WARNING, f"fp-{i}")


def test_the_notifier_keeps_the_latest_popups_in_order() -> None:
    announced: list[str] = []
    notifier = BannerFallbackNotifier(None, announced.append)
    for i in range(RECENT_POPUPS * 3):
        notifier.show(_popup(i))
    assert len(notifier.shown) == RECENT_POPUPS
    assert [p.fingerprint for p in notifier.shown][-2:] == [
        f"fp-{RECENT_POPUPS * 3 - 2}",
        f"fp-{RECENT_POPUPS * 3 - 1}",
    ]
    assert notifier.shown[0].fingerprint == f"fp-{RECENT_POPUPS * 2}"
    assert len(announced) == 1  # the fallback is announced once, not per popup
