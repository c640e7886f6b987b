"""Benchmarks behind `perfdesk bench NAME`: each module has run(quick) -> dict."""
