"""The HTTP API served from a thread of the current process (the demo, tests); ``pricewatch serve`` for production."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from pricewatch.store.engine import Database


@contextmanager
def serve_api(db: Database) -> Iterator[str]:
    """The HTTP API on a free port of 127.0.0.1, in a thread, for the demo platform to answer through."""
    import socket
    import threading

    import uvicorn

    from pricewatch.api.app import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(db), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 15
    while not server.started and time.time() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)
