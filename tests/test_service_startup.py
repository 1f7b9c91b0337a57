"""Start-up of `pricewatch run` and loading of pricewatch.toml: typos are named, a failed start-up releases the
scheduler lease, and job runs left 'running' by a killed process are closed as 'interrupted'."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from pricewatch.config import load_settings
from pricewatch.errors import ConfigError
from pricewatch.service.lease import acquire
from pricewatch.service.scheduler import LEASE, run_service
from pricewatch.store import open_database
from pricewatch.store.models import JobRun, utcnow


@pytest.mark.parametrize("text, says", [
    ('[schedul]\ndetect = "off"\n', "unknown section 'schedul' (did you mean 'schedule'?)"),
    ('[display]\nlangauge = "zh"\n', "unknown key in [display] 'langauge' (did you mean 'language'?)"),
    ('[webhooks]\nallow_privat = ["127.0.0.1"]\n', "did you mean 'allow_private'?"),
    ('[api]\nmax_body_bytes = "10MB"\n', "api.max_body_bytes"),
    ('[service]\nlease_seconds = -1\n', "service.lease_seconds"),
    ('[mail]\nport = "smtp"\n', "mail.port"),
])
def test_a_config_typo_or_wrong_type_is_named_on_load(workdir, run_cli, text, says):
    (workdir / "pricewatch.toml").write_text(text)
    with pytest.raises(ConfigError, match=r"pricewatch\.toml: .*") as caught:
        load_settings()
    assert says in str(caught.value)
    result = run_cli("history")
    assert result.exit_code == 1 and says in result.output


def test_the_documented_config_loads(workdir):
    (workdir / "pricewatch.toml").write_text(
        '[database]\nurl = "sqlite:///pricewatch.db"\n[display]\ntimezone = "Asia/Shanghai"\nlanguage = "zh"\n'
        '[storage]\nevidence_dir = "evidence"\n[webhooks]\nallow_private = []\n[api]\nmax_body_bytes = 10485760\n'
        '[schedule]\ndetect = "every 15m"\n[feeds]\nurls = []\n[service]\nlease_seconds = 30\n'
        '[crawl]\ncontact_url = "https://x.example"\nconcurrency_per_domain = 8\nautothrottle = true\n'
        'http_cache = false\ndownload_timeout = 15\nretry_times = 2\n'
        '[[crawl.targets]]\nspider = "search"\nbase = "https://shop.example/jd"\n'
        '[digest]\ndir = "digests"\n[mail]\nhost = "smtp.example.org"\nport = 587\nstarttls = true\n'
        'username = "pw"\npassword_env = "X"\nsender = "a@b.c"\nrecipients = ["d@e.f"]\n')
    settings = load_settings()
    assert settings.language == "zh" and settings.section("crawl")["targets"][0]["spider"] == "search"


def test_a_failed_start_up_releases_the_scheduler_lease(workdir, database_url):
    (workdir / "pricewatch.toml").write_text('[schedule]\ndetect = "every banana"\n[service]\nlease_seconds = 60\n')
    db = open_database(load_settings(), url=database_url)
    with pytest.raises(ConfigError, match="every banana"):
        run_service(db, stop=threading.Event())
    # a standby takes over at once instead of waiting a minute for the lease to expire
    assert acquire(db, LEASE, "standby", timedelta(seconds=60))
    db.engine.dispose()


def test_job_runs_left_running_by_a_killed_process_are_closed_as_interrupted(workdir, database_url):
    (workdir / "pricewatch.toml").write_text(
        '[schedule]\ndispatch = "off"\ndetect = "off"\nrecheck = "off"\ndigest = "off"\n'
        '[service]\nlease_seconds = 1\n')
    db = open_database(load_settings(), url=database_url)
    gone = subprocess.Popen(["true"])
    gone.wait()
    with db.session() as s:
        s.add(JobRun(job="detect", started_at=utcnow() - timedelta(hours=1), outcome="running",
                     host=f"{socket.gethostname()}:{gone.pid}"))
        s.add(JobRun(job="digest", started_at=utcnow(), outcome="running", host="another-host:1"))
        s.commit()
    stop = threading.Event()
    service = threading.Thread(target=run_service, args=(db,), kwargs={"stop": stop})
    service.start()
    deadline = time.time() + 20
    try:
        while time.time() < deadline:
            with db.session() as s:
                outcomes = dict(s.execute(select(JobRun.job, JobRun.outcome)).all())
            if outcomes["detect"] != "running":
                break
            time.sleep(0.1)
    finally:
        stop.set()
        service.join(timeout=30)
    assert outcomes == {"detect": "interrupted", "digest": "running"}
    with db.session() as s:
        run = s.scalar(select(JobRun).where(JobRun.job == "detect"))
        assert run.finished_at is not None and str(gone.pid) in run.summary
    db.engine.dispose()
