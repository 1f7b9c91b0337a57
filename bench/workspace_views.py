"""Seller, platform and case-export speed at 30,000 alerts, against the JSON API's list measured in the same run.

    python bench/workspace_views.py [--alerts 30000] [--repeat 7] [--keep DIR]

Builds the same database as bench/ui.py (its ``build``: the tests' seeded case plus ``--alerts`` generated alerts
over 5 platforms and 2,000 sellers, one webhook delivery each; not timed), logs a regulator in and times, in-process
(the server's own time): ``compliance()`` for every platform, the platforms page, one platform's page (figures and its
pending alerts), the sellers index, a seller search, the seller page of the seller with the most alerts, and the
"export case" download of one alert (ZIP with chart and evidence). Baseline: ``GET /v1/violations?limit=50``.
Prints median and 90th-percentile wall time and median CPU time (the machine is shared: CPU time is the steadier
figure).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
_spec = importlib.util.spec_from_file_location("bench_ui", ROOT / "bench" / "ui.py")
bench_ui = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_ui)


def timed_call(fn, repeat: int) -> tuple[float, float, float]:  # noqa: ANN001
    fn()
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        cpus.append((time.process_time() - cpu) * 1000)
        walls.append((time.perf_counter() - wall) * 1000)
    walls.sort()
    return statistics.median(walls), walls[max(0, int(len(walls) * 0.9) - 1)], statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alerts", type=int, default=30_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="build the SQLite file in this folder and keep it")
    args = parser.parse_args()

    folder = args.keep or Path(tempfile.mkdtemp(prefix="pw-bench-views-"))
    folder.mkdir(parents=True, exist_ok=True)
    os.chdir(folder)
    os.environ.pop("PRICEWATCH_CONFIG", None)
    started = time.perf_counter()
    db, case = bench_ui.build(f"sqlite:///{folder / 'bench.db'}", args.alerts)
    print(f"built {args.alerts + 1:,} alerts in {time.perf_counter() - started:.1f}s ({folder})")

    from fastapi.testclient import TestClient

    from pricewatch.api.app import create_app
    from pricewatch.enforcement.compliance import compliance
    from pricewatch.enforcement.entity import seller_index

    client = TestClient(create_app(db), base_url="https://testserver")
    assert client.post("/ui/login", data={"key": case.keys["regulator"]}).status_code == 200
    api = TestClient(create_app(db), base_url="https://testserver",
                     headers={"Authorization": f"Bearer {case.keys['regulator']}"})
    top = seller_index(db).iloc[0]
    platform = compliance(db).sort_values("violations", ascending=False).iloc[0]["platform"]
    page = client.get(f"/ui/alerts/{case.alert_id}").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)

    def get(who, path):  # noqa: ANN001, ANN202
        def run() -> None:
            response = who.get(path)
            assert response.status_code == 200, (path, response.status_code)
        return run

    def export() -> None:
        response = client.post(f"/ui/alerts/{case.alert_id}/case", data={"csrf": csrf})
        assert response.status_code == 200 and response.content[:2] == b"PK"

    rows = [
        ("JSON API /v1/violations?limit=50 (baseline)", get(api, "/v1/violations?limit=50"), args.repeat),
        ("compliance() for every platform", lambda: compliance(db), args.repeat),
        ("platforms page", get(client, "/ui/platforms"), args.repeat),
        (f"platform page ({platform})", get(client, f"/ui/platforms/{platform}"), args.repeat),
        ("sellers index", get(client, "/ui/sellers"), args.repeat),
        ("sellers search", get(client, "/ui/sellers?q=Seller%2012"), args.repeat),
        (f"seller page ({top['alerts']} alerts)", get(client, f"/ui/sellers/{int(top['seller_db_id'])}"), args.repeat),
        ("export case (alert ZIP)", export, max(3, args.repeat // 2)),
    ]
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'what':48} {'median ms':>10} {'p90 ms':>9} {'CPU ms':>8}")
    for name, fn, repeat in rows:
        median, p90, cpu = timed_call(fn, repeat)
        print(f"{name:48} {median:10.1f} {p90:9.1f} {cpu:8.1f}")


if __name__ == "__main__":
    main()
