"""Several dispatchers on one outbox: requests sent per event, in the issue's set-up.

    python bench/dispatchers.py [--events 200] [--dispatchers 3] [--delay 0.5] [--lease 5] [--old FILE]

Fills a fresh SQLite outbox with EVENTS events for a receiver on 127.0.0.1 that answers 200 after DELAY seconds,
then starts DISPATCHERS processes that each run ``dispatch(concurrency=5, lease=LEASE)`` every second (as the
service's job does) until everything is delivered. Prints requests received, distinct events, duplicates and wall
time. ``--old FILE`` runs the same with another copy of ``pricewatch/webhooks/dispatch.py`` first (for instance
``git show b9943f6~1:pricewatch/webhooks/dispatch.py > /tmp/dispatch_old.py``), so both are measured in one run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

CHILD = """
import importlib.util, sys, time
from datetime import timedelta
from sqlalchemy import func, select
from pricewatch.store import open_database
from pricewatch.store.models import WebhookDelivery
if sys.argv[2]:
    spec = importlib.util.spec_from_file_location("dispatch_other", sys.argv[2])
    m = importlib.util.module_from_spec(spec); sys.modules["dispatch_other"] = m; spec.loader.exec_module(m)
else:
    from pricewatch.webhooks import dispatch as m
db = open_database(url=sys.argv[1])
db.settings.raw.setdefault("webhooks", {})["allow_private"] = ["127.0.0.1"]
deadline = time.time() + 600
while time.time() < deadline:
    m.dispatch(db, concurrency=5, lease=timedelta(seconds=float(sys.argv[3])))
    with db.session() as s:
        if not s.scalar(select(func.count()).where(WebhookDelivery.status != "delivered")):
            break
    time.sleep(1)
"""


def run(label: str, module: str, args: argparse.Namespace) -> None:
    from receivers import Receiver
    from webhooks import fill_outbox

    from pricewatch.store.models import WebhookEndpoint

    with Receiver([], lambda n: (200, args.delay)) as receiver:
        db = fill_outbox(receiver.url, args.events)
        with db.session() as s:
            receiver.secrets.append(s.query(WebhookEndpoint).one().secrets[0]["secret"])
        url = db.engine.url.render_as_string(hide_password=False)
        started = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, "-c", CHILD, url, module, str(args.lease)], cwd=ROOT)
                 for _ in range(args.dispatchers)]
        for proc in procs:
            proc.wait()
        took = time.perf_counter() - started
        print(f"{label:>8}: {receiver.requests:5d} requests for {args.events} events, {len(receiver.events)} distinct "
              f"delivered, {receiver.duplicates} duplicates, {took:.1f}s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--dispatchers", type=int, default=3)
    parser.add_argument("--delay", type=float, default=0.5, help="receiver's answer time, seconds")
    parser.add_argument("--lease", type=float, default=5.0, help="dispatch lease, seconds")
    parser.add_argument("--old", help="another dispatch.py to measure first, in the same run")
    args = parser.parse_args()
    if args.old:
        run("other", str(Path(args.old).resolve()), args)
    run("current", "", args)


if __name__ == "__main__":
    main()
