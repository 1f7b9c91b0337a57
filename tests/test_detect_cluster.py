"""`pricewatch detect --cluster`: listing buckets on Dask workers give the alerts of a plain run.

Workers read their bucket from the database themselves and return explained episodes; the coordinator writes the
alerts and outbox rows, one transaction per bucket. Real Dask: a ``distributed.LocalCluster`` with worker
processes, and a scheduler and worker started as the documentation says (``dask scheduler``, ``dask worker``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from distributed import Client, LocalCluster
from test_detect_partitions import _load, alerts, assert_same_alerts, forget_alerts, outbox

from pricewatch.detect import run_detection
from pricewatch.detect.cluster import ClusterError, DaskRunner, parse_cluster
from pricewatch.detect.partitions import run_partitioned
from pricewatch.detect.run import last_run
from pricewatch.simulate.scenario import build_scenario

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def scenario():
    return build_scenario(n_listings=300, days=60, emergency_day=30, seed=31)


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c, \
            Client(c) as client:
        yield client


def test_buckets_on_a_local_cluster_give_the_alerts_of_a_plain_run(db, scenario, cluster):
    _load(db, scenario, regions=("CN",))  # the US market is watched by the monitor: its levels span buckets
    plain = run_detection(db)
    before, events, coverage = alerts(db), outbox(db), last_run(db).coverage
    forget_alerts(db)
    split = run_partitioned(db, 6, runner=DaskRunner(cluster))
    assert len(before) > 30 and set(before["rule"]) >= {"cn-samr-2020", "monitor-level-shift"}
    assert_same_alerts(before, alerts(db))
    assert outbox(db) == events
    assert last_run(db).coverage == coverage
    assert (split.observations, split.listings, split.episodes) == (plain.observations, plain.listings,
                                                                     plain.episodes)
    # the buckets ran on the workers (each opened the database itself), not in this process
    ran = cluster.run(lambda: sorted(__import__("pricewatch.detect.partitions").detect.partitions._DATABASES))
    assert sum(len(urls) for urls in ran.values()) >= 1


def test_cli_detect_on_a_local_cluster(db, scenario, run_cli):
    _load(db, scenario)
    plain = run_cli("detect")
    assert plain.exit_code == 0, plain.output
    before = alerts(db)
    forget_alerts(db)
    result = run_cli("detect", "--cluster", "local:2", "--partitions", "4")
    assert result.exit_code == 0, result.output
    assert "4 buckets on local:2" in result.output
    assert_same_alerts(before, alerts(db))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_detect_on_a_running_scheduler_from_the_config(db, scenario, run_cli, workdir):
    """As docs/scale.md says: `dask scheduler` on one machine, `dask worker tcp://…` on others, and
    `[cluster] scheduler` in pricewatch.toml."""
    _load(db, scenario)
    run_detection(db)
    before = alerts(db)
    forget_alerts(db)
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    procs = [subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--dashboard-address", ":0"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)]
    try:
        procs.append(subprocess.Popen([str(BIN / "dask"), "worker", address, "--nworkers", "1", "--nthreads", "1",
                                       "--no-dashboard"], env=env, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL))
        with Client(address, timeout="30s") as client:
            client.wait_for_workers(1, timeout=60)
        (workdir / "pricewatch.toml").write_text(f'[cluster]\nscheduler = "{address}"\npartitions = 3\n',
                                                 encoding="utf-8")
        result = run_cli("detect")
        assert result.exit_code == 0, result.output
        assert f"3 buckets on {address}" in result.output
        assert_same_alerts(before, alerts(db))
        # --cluster none: this process, whatever the configuration says
        again = run_cli("detect", "--cluster", "none")
        assert again.exit_code == 0 and "buckets" in again.output and "on tcp" not in again.output
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            p.wait(timeout=30)


def test_cluster_addresses_are_checked():
    assert parse_cluster("local:3") == ("local", 3)
    assert parse_cluster("tcp://10.0.0.5:8786") == ("scheduler", "tcp://10.0.0.5:8786")
    for bad in ("local:0", "10.0.0.5:8786", "spark://x", "local:two"):
        with pytest.raises(ClusterError):
            parse_cluster(bad)


def test_cli_names_a_bad_or_unreachable_cluster(db, run_cli):
    bad = run_cli("detect", "--cluster", "10.0.0.5:8786")
    assert bad.exit_code == 2 and "--cluster" in bad.output and "tcp://" in bad.output
    port = _free_port()
    start = time.monotonic()
    gone = run_cli("detect", "--cluster", f"tcp://127.0.0.1:{port}")
    assert gone.exit_code == 1 and f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}" in gone.output
    assert "Traceback" not in gone.output and time.monotonic() - start < 60
