"""The HTTP API under abuse: bodies over the limit (chunked too), bad query/path/body values, slow requests.

The server runs as `pricewatch serve` in a child process on 127.0.0.1 (its own interpreter, as in production), so
the latency of /healthz measures the server and not this test's threads.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
from api_seed import role_keys, seed_violation

LIMIT = 1 << 20  # [api] max_body_bytes for these tests


@pytest.fixture
def server(db, workdir, database_url):
    """`pricewatch serve` on a free port; returns (base_url, keys by role, alert id of jd's violation)."""
    (workdir / "pricewatch.toml").write_text(f"[api]\nmax_body_bytes = {LIMIT}\n")
    alert_id = seed_violation(db)
    keys = role_keys(db)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PRICEWATCH_CONFIG": str(workdir / "pricewatch.toml"), "PRICEWATCH_DATABASE_URL": database_url}
    proc = subprocess.Popen([sys.executable, "-c", "from pricewatch.cli import main; main()", "serve", "--port", str(port)], cwd=workdir,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    else:
        proc.kill()
        raise AssertionError(f"server did not start: {proc.stderr.read().decode()[-2000:]}")
    try:
        yield base, keys, alert_id, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def auth(keys, role):
    return {"authorization": f"Bearer {keys[role]}"}


def is_error(r, status):
    assert r.status_code == status, (r.status_code, r.text[:300])
    body = r.json()
    assert set(body) == {"error"} and body["error"]["status"] == status and body["error"]["message"]


def test_a_chunked_body_over_the_limit_is_refused_while_it_streams(server):
    base, keys, _, pid = server
    before = rss_mb(pid)

    def chunks():
        piece = b'{"platform": "jd"}\n' * 5000
        for _ in range(1500):  # 142 MB if the server read it all
            yield piece

    try:
        r = httpx.post(base + "/v1/observations", content=chunks(), headers=auth(keys, "platform"), timeout=30)
    except httpx.HTTPError:  # the server may close the connection once it has answered
        pass
    else:
        is_error(r, 413)
    assert rss_mb(pid) - before < 50, f"server RSS grew from {before:.0f} to {rss_mb(pid):.0f} MB"
    assert httpx.get(base + "/healthz", timeout=5).status_code == 200


def test_a_declared_length_over_the_limit_is_refused_before_reading(server):
    base, keys, _, _ = server
    r = httpx.post(base + "/v1/observations", content=b"x" * (LIMIT + 1), headers=auth(keys, "platform"))
    is_error(r, 413)


BAD_RANGES = ["since=garbage", "until=", "since=2020-13-45", "since=yesterday", "since=0001-01-01",
              "until=9999-12-31T23:59:59Z", "since=2020-02-01&until=2020-01-01"]
BAD_VALUES = ["/v1/violations/9223372036854775808", "/v1/violations/2147483648", "/v1/violations/-1", "/v1/violations/0", "/v1/violations/1e3",
              "/v1/violations?status=bogus", "/v1/violations?limit=0", "/v1/prices?category=masks",
              "/v1/index?base_end=garbage", "/v1/index?category=nosuch"]
BAD_OBSERVATIONS = [b"\xff\xfe not utf-8", b"[" * 100_000 + b"]" * 100_000,
                    b'{"a":' * 50_000 + b"1" + b"}" * 50_000, b"not json", b"[1, 2]", b"[]", b""]
BAD_ANSWERS = [b"\xff\xfe", b'{"action": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", b'{"action": "delisted"']


def test_every_bad_value_is_a_4xx_with_the_documented_error_shape(server):
    base, keys, alert_id, _ = server
    for query in BAD_RANGES:
        r = httpx.get(f"{base}/v1/listings/jd/J1/prices?{query}", headers=auth(keys, "analyst"))
        is_error(r, 422)
        assert "query.since" in r.json()["error"]["message"] or "query.until" in r.json()["error"]["message"]
        is_error(httpx.get(f"{base}/v1/prices?{query}", headers=auth(keys, "analyst")), 422)
    for path in BAD_VALUES:
        is_error(httpx.get(base + path, headers=auth(keys, "admin")), 422)
    for body in BAD_OBSERVATIONS:
        is_error(httpx.post(base + "/v1/observations", content=body, headers=auth(keys, "platform")), 400)
    for body in BAD_ANSWERS:
        r = httpx.post(f"{base}/v1/violations/{alert_id}/response", content=body,
                       headers={**auth(keys, "platform"), "content-type": "application/json"})
        assert r.status_code in (400, 422), r.text[:300]
        is_error(r, r.status_code)
    is_error(httpx.get(base + "/v1/nosuch", headers=auth(keys, "admin")), 404)
    is_error(httpx.delete(base + "/v1/violations", headers=auth(keys, "admin")), 405)


def test_observations_with_out_of_range_dates_are_quarantined_not_a_500(server):
    base, keys, _, _ = server
    rows = [{"platform": "jd", "listing_id": "J9", "observed_at": when, "price": "9.90", "currency": "CNY"}
            for when in ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2020-01-20T10:00:00Z")]
    rows.append({"platform": "jd", "listing_id": "J9", "observed_at": "2020-01-21T10:00:00Z", "price": "9" * 400,
                 "currency": "CNY", "title": "\ud800"})
    body = json.dumps(rows).encode()  # ASCII JSON: the lone surrogate travels as the escape \ud800
    r = httpx.post(base + "/v1/observations", content=body, headers=auth(keys, "platform"))
    assert r.status_code == 200, r.text
    assert (r.json()["accepted"], r.json()["rejected"]) == (1, 3)


def test_a_huge_slow_ingest_never_delays_healthz_by_more_than_100_ms(server):
    base, keys, _, _ = server
    # a body just under the limit whose title is long and digit-heavy (the parser was quadratic on these)
    title = "1x" * 40_000
    rows = [f'{{"platform": "jd", "listing_id": "H{i}", "observed_at": "2020-01-20T10:00:00Z", "price": "9.90", '
            f'"currency": "CNY", "title": "{title}{i}"}}' for i in range(12)]
    body = "\n".join(rows).encode()
    assert len(body) < LIMIT
    done = threading.Event()
    result = {}

    def push():
        result["response"] = httpx.post(base + "/v1/observations", content=body, headers=auth(keys, "platform"),
                                        timeout=120)
        done.set()

    worker = threading.Thread(target=push)
    worker.start()
    latencies = []
    with httpx.Client(base_url=base, timeout=10) as client:
        client.get("/healthz")
        while not done.is_set():
            start = time.perf_counter()
            assert client.get("/healthz").status_code == 200
            latencies.append(time.perf_counter() - start)
            time.sleep(0.02)
    worker.join()
    assert result["response"].status_code == 200, result["response"].text[:300]
    assert result["response"].json()["accepted"] == 12
    # The goal is 100 ms. On a shared 2-core CI machine a single probe can wait on the OS scheduler (another test
    # process runs beside this one), so the bound is on the 90th percentile, and every probe must stay under 1 s —
    # the ingest on the event loop froze /healthz for ~10 s, which fails both.
    assert latencies, "the ingest finished before a single probe"
    p90 = float(np.quantile(latencies, 0.9))
    assert p90 < 0.1, f"/healthz 90th percentile {p90 * 1000:.0f} ms during the ingest"
    assert max(latencies) < 1.0, f"/healthz took {max(latencies) * 1000:.0f} ms during the ingest"
