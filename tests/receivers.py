"""A real HTTP receiver on 127.0.0.1 for webhook tests: verifies every request with the `standardwebhooks`
library, de-duplicates on webhook-id, and can misbehave on purpose (status codes, slowness) per request."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook


class _Server(ThreadingHTTPServer):
    # the default listen backlog (5) drops connections when a dispatcher opens 50 at once
    request_queue_size = 256


class Receiver:
    """``behave(n)`` (n = 1-based request count) returns (status, delay seconds) for each request."""

    def __init__(self, secrets: list[str], behave: Callable[[int], tuple[int, float]] | None = None, port: int = 0):
        self.secrets = secrets
        self.behave = behave or (lambda n: (200, 0.0))
        self.requests = 0
        self.bad_signatures = 0
        self.events: dict[str, dict] = {}   # webhook-id → payload (de-duplicated)
        self.duplicates = 0
        self.verified_with: dict[str, set[int]] = {}
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True  # MEASURED.md: http.server stalls keep-alive responses otherwise
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # noqa: ANN002
                pass

            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                with receiver.lock:
                    receiver.requests += 1
                    n = receiver.requests
                status, delay = receiver.behave(n)
                if delay:
                    time.sleep(delay)
                headers = {k: v for k, v in self.headers.items()}
                ok_with = set()
                for i, secret in enumerate(receiver.secrets):
                    try:
                        Webhook(secret).verify(body, headers)
                        ok_with.add(i)
                    except Exception:  # noqa: BLE001
                        pass
                if not ok_with:
                    with receiver.lock:
                        receiver.bad_signatures += 1
                    status = 401
                elif 200 <= status < 300:
                    event_id = headers.get("webhook-id") or headers.get("Webhook-Id")
                    with receiver.lock:
                        if event_id in receiver.events:
                            receiver.duplicates += 1
                        receiver.events[event_id] = json.loads(body)
                        receiver.verified_with[event_id] = ok_with
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

        self.server = _Server(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:  # noqa: ANN002
        self.server.shutdown()
        self.server.server_close()
