"""`pricewatch run` end to end with short intervals, in real processes on one database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread

from sqlalchemy import select

from pricewatch.service.lease import acquire, holds, release
from pricewatch.store.models import JobRun, Lease


def start(workdir, database_url):
    env = dict(os.environ, PRICEWATCH_DATABASE_URL=database_url)
    return subprocess.Popen([sys.executable, "-m", "pricewatch", "run"], cwd=workdir, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def runs(db, job=None):
    with db.session() as s:
        stmt = select(JobRun).order_by(JobRun.started_at)
        if job:
            stmt = stmt.where(JobRun.job == job)
        return s.scalars(stmt).all()


def wait_for(predicate, timeout=20.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def config(workdir, extra=""):
    (workdir / "pricewatch.toml").write_text(
        '[schedule]\ndispatch = "every 1s"\ndetect = "every 2s"\nrecheck = "off"\ndigest = "off"\n'
        f'[service]\nlease_seconds = 2\n{extra}', encoding="utf-8")


def test_jobs_run_on_schedule_and_sigterm_exits_cleanly(db, workdir, database_url, run_cli):
    config(workdir)
    proc = start(workdir, database_url)
    assert wait_for(lambda: len(runs(db, "dispatch")) >= 3 and len(runs(db, "detect")) >= 2)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "received SIGTERM" in err and "scheduler stopped" in err
    all_runs = runs(db)
    assert all(r.outcome == "ok" and r.finished_at is not None for r in all_runs)
    for job in ("dispatch", "detect"):  # one instance per job: runs of a job never overlap, in order
        series = runs(db, job)
        assert all(a.finished_at <= b.started_at for a, b in zip(series, series[1:]))
    with db.session() as s:  # the lease is released on exit
        lease = s.get(Lease, "scheduler")
        from pricewatch.store.models import utcnow

        assert lease.expires_at <= utcnow()
    listed = run_cli("jobs")
    assert "dispatch" in listed.output and "every 1s" in listed.output and "ok" in listed.output


def test_a_crashing_job_is_recorded_and_the_next_run_happens(db, workdir, database_url):
    class Broken(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(500)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args):  # noqa: ANN002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Broken)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        config(workdir, f'[feeds]\nurls = ["http://127.0.0.1:{server.server_address[1]}/jd.csv"]\n')
        text = (workdir / "pricewatch.toml").read_text().replace('[schedule]\n', '[schedule]\npull_feeds = "every 1s"\n')
        (workdir / "pricewatch.toml").write_text(text)
        proc = start(workdir, database_url)
        assert wait_for(lambda: len(runs(db, "pull_feeds")) >= 2)
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    finally:
        server.shutdown()
    failed = runs(db, "pull_feeds")
    assert all(r.outcome == "failed" for r in failed) and "500" in failed[0].summary
    assert len(runs(db, "dispatch")) >= 1 and all(r.outcome == "ok" for r in runs(db, "dispatch"))


def test_two_services_on_one_database_never_run_a_job_twice(db, workdir, database_url):
    config(workdir)
    first = start(workdir, database_url)
    assert wait_for(lambda: len(runs(db, "dispatch")) >= 1)
    second = start(workdir, database_url)
    said: list[str] = []  # the standby's stderr, read as it comes (start-up takes seconds on a busy machine)
    reader = Thread(target=lambda: said.extend(second.stderr), daemon=True)
    reader.start()
    assert wait_for(lambda: any("standing by" in line for line in said), timeout=60)
    time.sleep(2)
    hosts = {r.host for r in runs(db)}
    assert len(hosts) == 1  # only the lease holder ran jobs
    first.send_signal(signal.SIGTERM)
    first.communicate(timeout=30)
    assert first.returncode == 0
    before = len(runs(db))
    assert wait_for(lambda: len({r.host for r in runs(db)}) == 2, timeout=20)  # the standby takes over
    assert wait_for(lambda: len(runs(db)) > before, timeout=20)  # and goes on running the schedule
    second.send_signal(signal.SIGTERM)
    second.wait(timeout=30)
    reader.join(timeout=10)
    assert second.returncode == 0 and any("standing by" in line for line in said)
    for job in ("dispatch", "detect"):
        series = runs(db, job)
        assert all(a.finished_at <= b.started_at for a, b in zip(series, series[1:]))


def test_lease_is_exclusive_until_it_expires(db):
    ttl = timedelta(seconds=1)
    assert acquire(db, "x", "a", ttl)
    assert not acquire(db, "x", "b", ttl)
    assert acquire(db, "x", "a", ttl) and holds(db, "x", "a")
    release(db, "x", "a")
    assert acquire(db, "x", "b", ttl) and not holds(db, "x", "a")


def test_restart_resumes_the_schedule(db, workdir, database_url):
    (workdir / "pricewatch.toml").write_text(
        '[schedule]\ndispatch = "every 1s"\ndetect = "every 1h"\nrecheck = "off"\ndigest = "off"\n'
        '[service]\nlease_seconds = 2\n', encoding="utf-8")
    from pricewatch.service.scheduler import next_runs

    proc = start(workdir, database_url)
    assert wait_for(lambda: len(runs(db, "dispatch")) >= 1)
    first_next = next_runs(db)["detect"]
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=30)
    proc = start(workdir, database_url)
    assert wait_for(lambda: len(runs(db, "dispatch")) >= 3)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=30)
    assert next_runs(db)["detect"] == first_next  # the hourly job kept its slot instead of being rescheduled
    assert runs(db, "detect") == []


def test_crawl_job_collects_from_the_storefronts_then_detects(db, workdir, database_url, run_cli):
    import pandas as pd

    from pricewatch.simulate.marketplace import Marketplace
    from pricewatch.simulate.scenario import build_scenario

    sc = build_scenario(n_listings=20, days=20, emergency_day=10, seed=9)
    with Marketplace(sc.listings, sc.prices) as market:
        market.set_clock(sc.start + pd.Timedelta(days=12))
        (workdir / "pricewatch.toml").write_text(
            f'[[crawl.targets]]\nspider = "search"\nbase = "{market.url}/jd,{market.url}/tmall"\n'
            'keywords = "口罩,消毒液,酒精,洗手液,手套"\n\n'
            f'[[crawl.targets]]\nspider = "feed"\nurls = "{market.url}/carefeed/feed.csv"\n', encoding="utf-8")
        result = run_cli("jobs", "run", "crawl")
    assert result.exit_code == 0, result.output
    assert "search:" in result.output and "feed:" in result.output and "detect:" in result.output
    [run] = runs(db, "crawl")
    assert run.outcome == "ok"


def test_recheck_job_crawls_delisted_pages_and_reopens_those_still_selling(db, workdir, run_cli):
    import pandas as pd

    from pricewatch.ingest import ingest_frame
    from pricewatch.simulate.marketplace import Marketplace
    from pricewatch.store.models import Alert, Listing, utcnow

    listings = pd.DataFrame({"listing_id": ["A1"], "platform": ["shopus"], "style": ["jsonld"],
                             "title": ["KN95 Face Mask 20 PCS"], "category": ["mask.respirator"], "seller_id": ["s1"],
                             "seller_name": ["Store 1"], "seller_license": [None], "region": ["US-CA"],
                             "currency": ["USD"]})
    now = pd.Timestamp(utcnow())
    prices = pd.DataFrame({"listing_id": ["A1"], "platform": ["shopus"], "observed_at": [now - pd.Timedelta(hours=1)],
                           "price": [59.99], "shipping": [0.0], "currency": ["USD"], "availability": ["in_stock"],
                           "title": ["KN95 Face Mask 20 PCS"], "pack_size": [None]})
    with Marketplace(listings, prices) as market:
        market.set_clock(now + pd.Timedelta(minutes=5))  # the page is served after the platform's answer
        url = market.item_url("A1")
        ingest_frame(db, pd.DataFrame([{"platform": "shopus", "listing_id": "A1", "url": url, "price": "19.99",
                                        "observed_at": "2020-03-01T00:00:00Z", "currency": "USD"}]))
        with db.session() as s:
            listing = s.scalars(select(Listing)).one()
            s.add(Alert(listing_id=listing.id, rule="us-ca-pc396", severity="egregious",
                        first_violation_at=now.to_pydatetime(), detected_at=now.to_pydatetime(), status="delisted",
                        answered_at=now.to_pydatetime(), response="delisted", history=[]))
            s.commit()
        result = run_cli("jobs", "run", "recheck")
    assert result.exit_code == 0, result.output
    assert "crawled" in result.output and "(0 gone)" in result.output and "1 still selling" in result.output
    with db.session() as s:
        assert s.scalar(select(Alert.status)) == "open"
