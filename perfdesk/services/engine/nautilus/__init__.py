"""The NautilusTrader source: a node's message bus on Redis streams. See docs/engines.md."""
