"""Numpy analytics: metrics, streaming state, statistical tests, rules. No I/O, no Qt."""
