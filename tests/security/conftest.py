"""The `listener` fixture: a real HTTP server on 127.0.0.1 that counts every contact."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator

import pytest


class Listener:
    """An HTTP server in a thread; `hits` lists each connection's request line (or a mark)."""

    def __init__(self) -> None:
        hits: list[str] = []
        self.hits = hits

        class Handler(http.server.BaseHTTPRequestHandler):
            def handle(self) -> None:
                hits.append("(connected)")
                super().handle()

            def _answer(self) -> None:
                hits.append(f"{self.command} {self.path}")
                self.send_response(500)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = do_HEAD = _answer

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def contacts(self) -> int:
        return sum(1 for hit in self.hits if hit == "(connected)")

    def settle(self, seconds: float = 0.3) -> int:
        """The number of contacts after waiting a moment for late ones."""
        time.sleep(seconds)
        return self.contacts


@pytest.fixture
def listener() -> Iterator[Listener]:
    running = Listener()
    running.thread.start()
    try:
        yield running
    finally:
        running.server.shutdown()
        running.server.server_close()
