"""`perfdesk demo`: the window on an embedded PostgreSQL and the built-in simulator.

The demo database (`perfdesk_demo`) is kept across starts: acknowledgements, snoozes,
thresholds, expectations, schedules and report runs survive, and the simulator resumes
where the stored events end. `--fresh` drops it and starts from the first event.
"""

from __future__ import annotations

import argparse

from perfdesk.commands import gui


def add_arguments(parser: argparse.ArgumentParser) -> None:
    gui.add_window_arguments(parser)
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="start the demo over: drop its database (acknowledgements, thresholds, "
        "expectations, schedules, report runs) instead of resuming it",
    )


def run(args: argparse.Namespace) -> int:
    return gui.run(args, demo=True)
