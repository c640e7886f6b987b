"""Subcommands of the `perfdesk` command line: each has add_arguments() and run()."""
