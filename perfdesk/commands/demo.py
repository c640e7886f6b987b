"""`perfdesk demo`: the window on an embedded PostgreSQL and the built-in simulator.

The demo database (`perfdesk_demo`) is recreated at each start, so every demo begins
from the simulator's first event.
"""

from __future__ import annotations

import argparse

from perfdesk.commands import gui


def add_arguments(parser: argparse.ArgumentParser) -> None:
    gui.add_window_arguments(parser)


def run(args: argparse.Namespace) -> int:
    return gui.run(args, demo=True)
