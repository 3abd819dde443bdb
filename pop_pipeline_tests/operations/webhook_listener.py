"""A local HTTP listener for webhook tests: records every POST's path, headers and JSON body."""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class WebhookListener:
    url: str  # http://127.0.0.1:PORT/hook
    received: list[dict] = field(default_factory=list)  # {"path", "content_type", "body"}


@contextmanager
def webhook_listener(status: int = 200) -> Iterator[WebhookListener]:
    """Serve on 127.0.0.1 (a free port) in a thread, answering every POST with ``status``."""
    listener = WebhookListener(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            listener.received.append(
                {
                    "path": self.path,
                    "content_type": self.headers.get("Content-Type"),
                    "body": json.loads(body),
                }
            )
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args) -> None:  # keep the test output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    listener.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield listener
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
