"""The Freqtrade source: a bot's API server (REST for fills and equity, its WebSocket
for the moment something happens). See docs/engines.md."""
