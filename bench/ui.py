"""Review workspace benchmark: server time of the queue and alert pages at 30,000 alerts, against the JSON API's
list endpoint measured in the same run.

    python bench/ui.py [--alerts 30000] [--repeat 15] [--database-url URL] [--keep DIR]

1. Builds a database (a fresh SQLite file, or ``--database-url`` such as the PostgreSQL test server) with the
   browser tests' seeded case plus ``--alerts`` generated alerts over 5 platforms and 2,000 sellers (random
   statuses, severities, categories, rules, 60 days of detection times), and one webhook delivery per alert —
   not timed. The generator is the tests' (tests/ui_seed.py), so the benchmark and the tests share one case.
2. Logs a regulator in and times requests answered by the real application in-process (Starlette's test
   client: the server's own time, no network): the queue as it first opens, filtered (two statuses + one
   severity + one platform), sorted by severity, page 100, a seller search, "new since my last visit", and the
   alert page (chart data, timeline with the webhook deliveries, evidence).
3. Baseline in the same run: ``GET /v1/violations?limit=50`` (the JSON API's list, 50 alerts).

Prints the median and 90th percentile of wall time and the median CPU time per page. Goals (issue 11): queue < 300 ms, alert page < 500 ms.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the seeded case and the alert generator the tests use


def timed(client, path: str, repeat: int) -> tuple[float, float, float, int]:  # noqa: ANN001
    """(median wall ms, p90 wall ms, median CPU ms, status) over ``repeat`` requests after one warm-up.

    CPU time is this process's (the application and, on SQLite, the database engine run in it): on a shared
    machine whose load is far above its cores, wall time mostly measures waiting for a core."""
    client.get(path)
    walls, cpus = [], []
    status = 0
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        cpus.append((time.process_time() - cpu) * 1000)
        walls.append((time.perf_counter() - wall) * 1000)
        status = response.status_code
    walls.sort()
    return statistics.median(walls), walls[max(0, int(len(walls) * 0.9) - 1)], statistics.median(cpus), status


def build(url: str, alerts: int):  # noqa: ANN201
    from sqlalchemy import insert, select
    from ui_seed import many_alerts, seed_case

    from pricewatch.config import load_settings
    from pricewatch.store import open_database
    from pricewatch.store.models import Alert, Platform, WebhookDelivery, WebhookEndpoint, utcnow
    from pricewatch.webhooks.outbox import new_event_id

    db = open_database(load_settings(), url=url)
    case = seed_case(db)
    many_alerts(db, alerts, platforms=5, sellers=2000)
    now = utcnow()
    with db.session() as s:
        platform_ids = list(s.scalars(select(Platform.id)))
        endpoints = []
        for pid in platform_ids:
            endpoint = WebhookEndpoint(platform_id=pid, url="https://hooks.example/pw", secrets=[], enabled=True,
                                       created_at=now)
            s.add(endpoint)
            endpoints.append(endpoint)
        s.flush()
        ids = list(s.scalars(select(Alert.id)))
        rows = [{"event_id": new_event_id(), "endpoint_id": endpoints[i % len(endpoints)].id,
                 "event_type": "violation.opened", "payload": {"type": "violation.opened", "violation": {"id": a}},
                 "status": "delivered", "attempts": 1, "created_at": now, "delivered_at": now, "last_status": 200,
                 "alert_id": a}
                for i, a in enumerate(ids)]
        for start in range(0, len(rows), 5000):
            s.execute(insert(WebhookDelivery), rows[start:start + 5000])
        s.commit()
    return db, case


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alerts", type=int, default=30_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--database-url", help="an empty database (default: a fresh SQLite file)")
    parser.add_argument("--keep", type=Path, help="build the SQLite file in this folder and keep it")
    args = parser.parse_args()

    folder = args.keep or Path(tempfile.mkdtemp(prefix="pw-bench-ui-"))
    folder.mkdir(parents=True, exist_ok=True)
    os.chdir(folder)
    os.environ.pop("PRICEWATCH_CONFIG", None)
    url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
    started = time.perf_counter()
    db, case = build(url, args.alerts)
    print(f"built {args.alerts + 1:,} alerts on {db.dialect} in {time.perf_counter() - started:.1f}s ({folder})")

    from fastapi.testclient import TestClient

    from pricewatch.api.app import create_app

    client = TestClient(create_app(db), base_url="https://testserver")
    assert client.post("/ui/login", data={"key": case.keys["regulator"]}).status_code == 200
    api = TestClient(create_app(db), base_url="https://testserver",
                     headers={"Authorization": f"Bearer {case.keys['regulator']}"})

    pages = [
        ("JSON API /v1/violations?limit=50 (baseline)", api, "/v1/violations?limit=50"),
        ("queue, as it opens (50 newest)", client, "/ui/alerts"),
        ("queue, 2 statuses + severity + platform", client,
         "/ui/alerts?status=open&status=notified&severity=severe&platform=p1"),
        ("queue, most severe first", client, "/ui/alerts?sort=severity"),
        ("queue, page 100", client, "/ui/alerts?page=100"),
        ("queue, seller search", client, "/ui/alerts?seller=Seller%2012"),
        ("queue, new since my last visit", client, "/ui/alerts?new=1"),
        ("alert page (chart, timeline, evidence)", client, f"/ui/alerts/{case.alert_id}"),
        ("alert page of a generated alert", client, f"/ui/alerts/{args.alerts // 2}"),
    ]
    page = client.get("/ui/alerts").text
    total = re.search(r'id="queue-total">([^<]+)<', page).group(1)
    print(f"queue total shown: {total}; {args.repeat} timed requests each after one warm-up\n")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'page':52} {'median ms':>10} {'p90 ms':>9} {'CPU ms':>8} {'status':>7}")
    results = {}
    for name, who, path in pages:
        median, p90, cpu, status = timed(who, path, args.repeat)
        results[name] = (median, cpu)
        print(f"{name:52} {median:10.1f} {p90:9.1f} {cpu:8.1f} {status:>7}")
    base = results[pages[0][0]]
    for index, label in ((0, "wall"), (1, "CPU")):
        queue = max(v[index] for k, v in results.items() if k.startswith("queue"))
        alert = max(v[index] for k, v in results.items() if k.startswith("alert"))
        print(f"{label:>4}: slowest queue page {queue:.0f} ms (goal < 300 ms, {queue / base[index]:.1f}× the JSON "
              f"list); slowest alert page {alert:.0f} ms (goal < 500 ms)")


if __name__ == "__main__":
    main()
