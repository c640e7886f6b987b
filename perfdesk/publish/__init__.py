"""Serve perfdesk from an in-house engine: protocol v1 over WebSocket (docs/engines.md).

`Publisher` is what an engine imports; `ProtocolServer` and `Session` are the server
it shares with the simulator (`perfdesk sim`). No Qt, database or numpy.
"""

from perfdesk.publish.publisher import Publisher

__all__ = ["Publisher"]
