"""Server settings for test clusters (a plain module: tests import it, not conftest)."""

TEST_SETTINGS = {"fsync": "off", "full_page_writes": "off", "max_connections": "200"}
"""Crash-safety of the test server's own disk is not under test; speed is welcome."""
