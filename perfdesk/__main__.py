"""`python -m perfdesk` = the `perfdesk` command."""

import sys

from perfdesk.cli import main

sys.exit(main())
