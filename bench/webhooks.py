"""Webhook delivery benchmark: the real outbox + dispatcher vs a bare client loop, in one run.

    python bench/webhooks.py [--events 10000]

1. Starts a receiver (aiohttp, in its own process so it does not share the dispatcher's CPU time slice) on
   127.0.0.1 that answers 204.
2. Floor: the same number of signed POSTs sent by the fastest bare client loop (aiohttp, 50 concurrent, one
   session), no database.
3. pricewatch: the same number of events written to the outbox of a fresh SQLite database (not timed), then
   ``dispatch`` — claim, sign, send (aiohttp, 50 concurrent), record — timed end to end.
4. With a receiver that answers after 100 ms (as a remote platform would): deliveries/s at 5, 20 and 50 concurrent.

Goals (issue 5): pricewatch ≥ 0.5 × floor and ≥ 2,000 deliveries/s; ≥ 300/s at 50 concurrent against 100 ms.

``--old FILE`` (another copy of ``pricewatch/webhooks/dispatch.py``, e.g. from ``git show REV:…``) also times that
dispatcher on identical outboxes, alternating with the current one, so both are measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

RECEIVER = """
import asyncio, sys
from aiohttp import web
delay = float(sys.argv[2])
async def hook(request):
    await request.read()
    if delay:
        await asyncio.sleep(delay)
    return web.Response(status=204)
app = web.Application()
app.router.add_post("/hook", hook)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_receiver(delay: float) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", RECEIVER, str(port), str(delay)])
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    return proc, f"http://127.0.0.1:{port}/hook"


def sample_payload(i: int) -> dict:
    return {"schema_version": "1", "type": "violation.opened",
            "violation": {"id": i, "status": "open", "rule": "cn-samr-2020", "severity": "egregious",
                          "first_violation_at": "2020-01-27T02:00:00Z", "baseline_unit_price": 0.6,
                          "observed_unit_price": 3.05, "currency": "CNY", "unit": "piece", "increase_pct": 408.3,
                          "explanation": "Unit price rose from ¥0.60 to ¥3.05 per mask (+408%) on 2020-01-27 …",
                          "evidence": [{"sha256": "a" * 64}], "flags": ["needs_cost_evidence"]},
            "listing": {"platform": "jd", "listing_id": f"1000{i}", "url": None, "title": "医用外科口罩 50只/盒",
                        "category": "mask.surgical"},
            "seller": {"seller_id": "s1", "name": "好药师", "license": None},
            "requested_action": {"action": "delist", "deadline": "2020-01-28T02:00:00Z", "pledge_deadline_hours": 24}}


async def bare_loop(url: str, n: int, concurrency: int, secret: str) -> float:
    import aiohttp

    from pricewatch.webhooks.signing import sign_headers

    bodies = [json.dumps(sample_payload(i), ensure_ascii=False, separators=(",", ":")) for i in range(n)]
    semaphore = asyncio.Semaphore(concurrency)
    connector = aiohttp.TCPConnector(limit=concurrency)
    t = time.perf_counter()
    async with aiohttp.ClientSession(connector=connector) as session:
        async def one(i: int) -> None:
            async with semaphore:
                headers = sign_headers(f"msg_{i}", bodies[i], [secret])
                async with session.post(url, data=bodies[i].encode(), headers=headers) as r:
                    await r.read()
                    assert r.status == 204

        await asyncio.gather(*(one(i) for i in range(n)))
    return time.perf_counter() - t


def fill_outbox(url: str, n: int) -> object:
    from pricewatch.store import open_database
    from pricewatch.store.models import Platform, WebhookEndpoint, utcnow
    from pricewatch.webhooks.outbox import enqueue_event
    from pricewatch.webhooks.signing import new_secret

    folder = Path(tempfile.mkdtemp(prefix="pw-bench-webhooks-"))
    db = open_database(url=f"sqlite:///{folder / 'outbox.db'}")
    # the receiver is local: exempt it from the address guard, as a test deployment's config would
    db.settings.raw.setdefault("webhooks", {})["allow_private"] = ["127.0.0.1"]
    with db.session() as s:
        platform = Platform(name="jd", created_at=utcnow())
        s.add(platform)
        s.flush()
        endpoint = WebhookEndpoint(platform_id=platform.id, url=url, secrets=[{"secret": new_secret(),
                                                                               "expires_at": None}])
        s.add(endpoint)
        s.flush()
        for i in range(n):
            enqueue_event(s, [endpoint], "violation.opened", sample_payload(i))
        s.commit()
    return db


def compare(old_path: str, n: int) -> None:
    """The current and another dispatcher, alternating twice, on identical fresh outboxes."""
    import importlib.util

    from pricewatch.webhooks import dispatch as current

    spec = importlib.util.spec_from_file_location("dispatch_other", old_path)
    other = importlib.util.module_from_spec(spec)
    sys.modules["dispatch_other"] = other
    spec.loader.exec_module(other)
    for delay, count, concurrency in ((0.0, n, 50), (0.1, 1500, 50), (0.1, 1500, 5)):
        receiver, url = start_receiver(delay)
        try:
            for round_ in (1, 2):
                for label, module in (("other", other), ("current", current)):
                    db = fill_outbox(url, count)
                    t = time.perf_counter()
                    stats = module.dispatch(db, concurrency=concurrency, batch=2000, lease=timedelta(minutes=5))
                    took = time.perf_counter() - t
                    assert stats.delivered == count, stats.summary()
                    print(f"receiver after {delay * 1000:3.0f} ms, {concurrency:2} concurrent, round {round_}: "
                          f"{label:>7} {count / took:7,.0f} deliveries/s", flush=True)
        finally:
            receiver.terminate()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--old", help="another dispatch.py to time alternately with the current one")
    args = parser.parse_args()
    from pricewatch.webhooks.dispatch import dispatch
    from pricewatch.webhooks.signing import new_secret

    if args.old:
        compare(args.old, args.events)
        return

    n = args.events
    receiver, url = start_receiver(0.0)
    try:
        floor = asyncio.run(bare_loop(url, n, 50, new_secret()))
        print(f"floor (bare aiohttp loop, 50 concurrent, signed): {n / floor:8,.0f} POSTs/s ({floor:.2f}s)")
        db = fill_outbox(url, n)
        t = time.perf_counter()
        stats = dispatch(db, concurrency=50, batch=2000, lease=timedelta(minutes=5))
        ours = time.perf_counter() - t
        assert stats.delivered == n, stats.summary()
        print(f"pricewatch outbox + dispatcher, 50 concurrent:    {n / ours:8,.0f} deliveries/s ({ours:.2f}s; "
              f"{stats.summary()})")
        print(f"ratio = {floor / ours:.2f} of the floor (goal >= 0.5); goal >= 2,000/s")
    finally:
        receiver.terminate()
    receiver, url = start_receiver(0.1)
    try:
        slow_n = 1500
        for concurrency in (5, 20, 50):
            db = fill_outbox(url, slow_n)
            t = time.perf_counter()
            stats = dispatch(db, concurrency=concurrency, batch=2000, lease=timedelta(minutes=5))
            took = time.perf_counter() - t
            print(f"receiver answering after 100 ms, {concurrency:>2} concurrent: {slow_n / took:7,.0f} deliveries/s "
                  f"({stats.delivered} delivered)")
        print("goal: >= 300/s at 50 concurrent")
    finally:
        receiver.terminate()


if __name__ == "__main__":
    main()
