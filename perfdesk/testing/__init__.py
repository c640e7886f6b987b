"""Sample data and in-memory stand-ins: for tests, screenshots and benchmarks only.

The running app never imports this package (an import-linter contract says so): a
desktop without a database says so (views/support/repositories.py `Unconnected`)
instead of keeping thresholds in memory.
"""
