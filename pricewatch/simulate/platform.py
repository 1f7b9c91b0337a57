"""A demo platform for ``pricewatch demo``: it receives signed webhooks and answers through the HTTP API.

The receiver runs on 127.0.0.1 (one server, a path per platform), verifies every delivery with the
``standardwebhooks`` library against that platform's secret and de-duplicates on ``webhook-id``, as a real
platform would. Its trust & safety policy is deterministic per violation id: delist most, dispute some with a
reason, ignore a few (they become overdue under the pledge).
"""

from __future__ import annotations

import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
from standardwebhooks import Webhook


class _Server(ThreadingHTTPServer):
    # the default listen backlog (5) drops connections when a dispatcher opens 50 at once
    request_queue_size = 256


class DemoPlatforms:
    """Receivers for several platforms; ``secrets[name]`` must be set before deliveries arrive."""

    def __init__(self) -> None:
        self.secrets: dict[str, str] = {}
        self.events: dict[str, tuple[str, dict]] = {}  # webhook-id → (platform, payload)
        self.requests = 0
        self.rejected = 0
        self.lock = threading.Lock()
        platforms = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # noqa: ANN002
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                name = self.path.rstrip("/").rsplit("/", 1)[-1]
                status = 204
                try:
                    payload = Webhook(platforms.secrets[name]).verify(body, dict(self.headers.items()))
                    with platforms.lock:
                        platforms.requests += 1
                        platforms.events.setdefault(self.headers["webhook-id"], (name, payload))
                except Exception:  # noqa: BLE001 - any verification failure is a 401 for the sender
                    with platforms.lock:
                        platforms.rejected += 1
                    status = 401
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, platform: str) -> str:
        return f"http://127.0.0.1:{self.port}/demo-platform/{platform}"

    def __enter__(self) -> DemoPlatforms:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:  # noqa: ANN002
        self.server.shutdown()
        self.server.server_close()

    def by_type(self) -> Counter:
        return Counter(p["type"] for _, p in self.events.values())

    def answer_violations(self, api: str, keys: dict[str, str], answered: set[int]) -> Counter:
        """Answer each newly opened violation through the API: delist 7 in 10, dispute 2, ignore 1."""
        outcome: Counter = Counter()
        events = list(self.events.values())
        # a violation that pricewatch already closed (the price came back down) needs no answer
        closed = {p["violation"]["id"] for _, p in events if p.get("type") == "violation.closed"}
        for platform, payload in events:
            if payload.get("type") != "violation.opened":
                continue
            vid = payload["violation"]["id"]
            if vid in answered or vid in closed:
                continue
            answered.add(vid)
            choice = (vid * 7919) % 10
            if choice == 9:
                outcome["ignored"] += 1
                continue
            body = ({"action": "delisted"} if choice < 7 else
                    {"action": "disputed", "reason": "seller shows supplier invoices: purchase cost tripled"})
            response = httpx.post(f"{api}/v1/violations/{vid}/response", json=body, timeout=10,
                                  headers={"authorization": f"Bearer {keys[platform]}"})
            response.raise_for_status()
            outcome[body["action"]] += 1
        return outcome
