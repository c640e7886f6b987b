"""Counters of the engine link, read by the views, the exporter and tests."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class FeedStats:
    """Running counters of one EngineClient (mutated on the loop thread only).

    `gaps` counts gap occurrences and `missing` the seqs they skipped; `duplicates`
    counts data frames at or below the last seq already delivered (dropped).
    `last_frame_at` is `time.monotonic()` of the last frame of any kind (None before).
    `protocol_errors` counts connections ended because the engine broke the protocol
    (an invalid `hello`); `last_error` says why the link last failed (None once an
    engine has said a valid `hello` again). `insecure` is True while a token goes over
    plain ws:// to another host because the user allowed it (`--insecure`).
    """

    frames: int = 0
    events: int = 0
    dead_letters: int = 0
    oversized: int = 0
    reconnects: int = 0
    gaps: int = 0
    missing: int = 0
    duplicates: int = 0
    engine_errors: int = 0
    handler_errors: int = 0
    protocol_errors: int = 0
    last_error: str | None = None
    last_frame_at: float | None = None
    connected_at: float | None = None
    insecure: bool = False
    security: str | None = None
    """For the status bar: why the token was not sent (refused over ws://), or that it
    goes unencrypted (`--insecure`); None on an encrypted or token-less link."""
    last_dead_letter: str | None = None
    """Why the last frame was dead-lettered (invalid, refused by the guard, a profile
    dropped, over the size limit); `dead_letters` counts them all."""


def refused_text(stats: FeedStats) -> str | None:
    """ "3 engine frames refused (last: …)" for the status bar, where it stays visible:
    every frame the link dead-lettered — malformed, valid but hostile (the guard), or a
    strategy kept without its profile. None when nothing was."""
    if not stats.dead_letters:
        return None
    frames = "frame" if stats.dead_letters == 1 else "frames"
    return f"{stats.dead_letters} engine {frames} refused (last: {stats.last_dead_letter})"
