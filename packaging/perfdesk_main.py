"""Entry point of the PyInstaller bundle: the same command line as the `perfdesk` script."""

import multiprocessing
import sys

from perfdesk.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
