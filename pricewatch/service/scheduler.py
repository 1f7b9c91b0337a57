"""``pricewatch run``: APScheduler 3 with its SQLAlchemy job store in the configured database, under a lease.

- Schedules come from ``[schedule]`` in pricewatch.toml: ``"every 30s|5m|1h"``, ``"daily HH:MM"`` (in the display
  zone, default Asia/Shanghai) or ``"cron M H D M W"``; defaults in ``pricewatch.service.jobs.DEFAULT_SCHEDULE``;
  ``"off"`` disables a job.
- Coalescing, one instance per job, a misfire grace time: a service that was down runs each missed job once.
- The job store lives in the database, so a restart resumes the schedule (an unchanged job keeps its next run time).
- Only the holder of the ``scheduler`` lease runs jobs; a second ``pricewatch run`` on the same database waits as a
  standby and takes over when the lease expires (``[service] lease_seconds``, default 30). Every job run re-checks
  the lease before it starts.
- SIGTERM/SIGINT: the running job finishes, the scheduler stops, the lease is released, exit status 0.
- Each run is a ``job_run`` row (start, end, outcome, one-line summary) and one log line.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
import uuid
from datetime import timedelta

from sqlalchemy import select

from pricewatch.config import load_settings
from pricewatch.errors import ConfigError
from pricewatch.service.jobs import DEFAULT_SCHEDULE, JOBS
from pricewatch.service.lease import acquire, holds, release
from pricewatch.store import open_database
from pricewatch.store.engine import Database
from pricewatch.store.models import JobRun, utcnow

LEASE = "scheduler"
log = logging.getLogger("pricewatch.service")
_holder: str | None = None  # this process's lease identity (set by run_service)
_db: Database | None = None


def trigger(spec: str, tz: str):  # noqa: ANN201
    """An APScheduler trigger from a schedule spec (see module docstring)."""
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    text = spec.strip().lower()
    if text.startswith("every "):
        amount = text[6:].strip()
        unit = amount[-1]
        try:
            value = float(amount[:-1])
        except ValueError as exc:
            raise ConfigError(f"[schedule] {spec!r}: use 'every 30s', 'every 5m' or 'every 1h'") from exc
        seconds = value * {"s": 1, "m": 60, "h": 3600}.get(unit, 0)
        if seconds <= 0:
            raise ConfigError(f"[schedule] {spec!r}: use 'every 30s', 'every 5m' or 'every 1h'")
        return IntervalTrigger(seconds=seconds, timezone=tz)
    if text.startswith("daily "):
        hour, _, minute = text[6:].strip().partition(":")
        return CronTrigger(hour=int(hour), minute=int(minute or 0), timezone=tz)
    if text.startswith("cron "):
        return CronTrigger.from_crontab(spec.strip()[5:], timezone=tz)
    raise ConfigError(f"[schedule] {spec!r}: expected 'every …', 'daily HH:MM', 'cron …' or 'off'")


def schedule_specs(db: Database) -> dict[str, str]:
    configured = db.settings.section("schedule")
    unknown = sorted(set(configured) - set(JOBS))
    if unknown:
        raise ConfigError(f"[schedule] unknown jobs {', '.join(unknown)}; known: {', '.join(JOBS)}")
    specs = {**DEFAULT_SCHEDULE, **configured}
    if not db.settings.section("feeds").get("urls") and "pull_feeds" not in configured:
        specs["pull_feeds"] = "off"
    if not db.settings.section("crawl").get("targets") and "crawl" not in configured:
        specs["crawl"] = "off"
    return {name: spec for name, spec in specs.items() if str(spec).strip().lower() != "off"}


def run_job(name: str, spec: str | None = None) -> None:
    """Run one job under the lease and record it (called by APScheduler; importable by reference)."""
    db = _db or open_database(load_settings())
    if _holder is not None and not holds(db, LEASE, _holder):
        log.warning("job %s skipped: this process no longer holds the scheduler lease", name)
        return
    record_run(db, name)


def record_run(db: Database, name: str) -> JobRun:
    """Run ``name`` now, with a ``job_run`` row and one log line; failures are recorded, not raised."""
    started = utcnow()
    with db.session() as s:
        run = JobRun(job=name, started_at=started, outcome="running", host=f"{socket.gethostname()}:{os.getpid()}")
        s.add(run)
        s.commit()
        run_id = run.id
    t = time.perf_counter()
    try:
        summary, outcome = JOBS[name](db), "ok"
    except Exception as exc:  # noqa: BLE001 - a failing job is recorded and the schedule goes on
        summary, outcome = f"{type(exc).__name__}: {exc}"[:2000], "failed"
    elapsed = time.perf_counter() - t
    with db.session() as s:
        run = s.get(JobRun, run_id)
        run.finished_at = utcnow()
        run.outcome = outcome
        run.summary = summary
        s.commit()
    # a job that ran and found nothing to do (no webhook to send every 5 s) is a DEBUG line, not noise at INFO
    level = logging.ERROR if outcome != "ok" else logging.DEBUG if idle(summary) else logging.INFO
    log.log(level, "job %s %s in %.1fs: %s", name, outcome, elapsed, summary)
    return run


IDLE_SUMMARIES = ("webhooks: 0 sent", "no [feeds] urls configured", "no [[crawl.targets]] configured")


def idle(summary: str | None) -> bool:
    """A run that did nothing: logged only with --verbose (it is still recorded for `pricewatch jobs`)."""
    return bool(summary) and summary.startswith(IDLE_SUMMARIES)


def run_service(db: Database, *, stop: threading.Event | None = None) -> int:
    """Run until SIGTERM/SIGINT (or ``stop`` is set). Returns the exit status."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    global _holder, _db
    _db = db
    _holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    stop = stop or threading.Event()
    ttl = timedelta(seconds=float(db.settings.section("service").get("lease_seconds", 30)))
    specs = schedule_specs(db)
    tz = db.settings.timezone

    def on_signal(signum, _frame) -> None:  # noqa: ANN001
        log.info("received %s: finishing the running job, then stopping", signal.Signals(signum).name)
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)

    # a bad schedule is refused before the lease is taken (and never holds it)
    triggers = {name: trigger(spec, tz) for name, spec in specs.items()}

    while not stop.is_set() and not acquire(db, LEASE, _holder, ttl):
        log.info("another pricewatch run holds the scheduler lease; standing by")
        stop.wait(ttl.total_seconds() / 3)
    if stop.is_set():
        return 0
    log.info("scheduler lease taken by %s; jobs: %s", _holder, ", ".join(f"{k} ({v})" for k, v in specs.items()))

    scheduler = None
    status = 0
    try:
        interrupted = close_interrupted_runs(db)
        if interrupted:
            log.warning("closed %d job run(s) left 'running' by a process that is gone: %s", len(interrupted),
                        ", ".join(interrupted))
        store = SQLAlchemyJobStore(engine=db.engine)
        scheduler = BackgroundScheduler(jobstores={"default": store}, timezone=tz,
                                        job_defaults={"coalesce": True, "max_instances": 1,
                                                      "misfire_grace_time": 300})
        scheduler.start(paused=True)
        existing = {job.id: job for job in scheduler.get_jobs()}
        for name, spec in specs.items():
            job = existing.pop(name, None)
            if job is not None and job.kwargs.get("spec") == spec:
                continue  # unchanged: keep its next run time (a restart resumes the schedule)
            scheduler.add_job(run_job, triggers[name], id=name, name=name, kwargs={"name": name, "spec": spec},
                              replace_existing=True)
        for stale in existing:
            scheduler.remove_job(stale)
        scheduler.resume()

        while not stop.wait(ttl.total_seconds() / 3):
            if not acquire(db, LEASE, _holder, ttl):
                log.error("lost the scheduler lease; stopping so that jobs never run twice")
                status = 1
                break
    finally:
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=True)  # lets the running job finish
        release(db, LEASE, _holder)  # also when start-up failed: a standby must not wait for the lease to expire
        log.info("scheduler stopped")
    return status


def close_interrupted_runs(db: Database) -> list[str]:
    """Mark ``job_run`` rows left ``running`` by a process of this host that no longer exists as ``interrupted``
    (a kill -9, a power cut). Rows of other hosts are left alone: their processes cannot be checked from here.
    Returns the jobs closed."""
    here = socket.gethostname()
    closed = []
    with db.session() as s:
        for run in s.scalars(select(JobRun).where(JobRun.outcome == "running")):
            host, _, pid = (run.host or "").rpartition(":")
            if host != here or not pid.isdigit() or _alive(int(pid)):
                continue
            run.outcome = "interrupted"
            run.finished_at = utcnow()
            run.summary = f"interrupted: process {pid} ended before the job finished"
            closed.append(f"{run.job} (started {run.started_at:%Y-%m-%d %H:%M:%S} UTC)")
        s.commit()
    return closed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def next_runs(db: Database) -> dict[str, float]:
    """Next run time (epoch seconds) per job id from the job store table, if it exists."""
    from sqlalchemy import inspect, text

    if not inspect(db.engine).has_table("apscheduler_jobs"):
        return {}
    with db.engine.connect() as conn:
        return {row[0]: row[1] for row in conn.execute(text("SELECT id, next_run_time FROM apscheduler_jobs"))}


def last_runs(db: Database) -> dict[str, JobRun]:
    with db.session() as s:
        runs = s.scalars(select(JobRun).order_by(JobRun.started_at)).all()
    return {r.job: r for r in runs}
