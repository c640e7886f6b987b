"""A loopback HTTP target for `perfdesk bench alerts`: when each alert's first byte arrived.

Apprise's `json://127.0.0.1:<port>/bench` posts `{"title": "[perfdesk] CRITICAL · <sid> ·
…", …}`; the server stamps perf_counter as soon as the request line is read (the
first bytes of the request) and files the stamp under the strategy id from the title.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FirstByteTarget:
    def __init__(self) -> None:
        self.first_byte_at: dict[str, float] = {}
        target = self

        class Handler(BaseHTTPRequestHandler):
            stamp = 0.0

            def parse_request(self) -> bool:
                self.stamp = time.perf_counter()  # the request line has just been read
                return super().parse_request()

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                parts = str(body.get("title", "")).split(" · ")
                if len(parts) >= 2:
                    target.first_byte_at.setdefault(parts[1], self.stamp)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass  # the bench reports figures, not requests

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def apprise_url(self) -> str:
        return f"json://127.0.0.1:{self.port}/bench"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
