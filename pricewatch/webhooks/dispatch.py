"""The dispatcher: send what is due from the outbox, at least once, with retries and a dead-letter state.

Each round claims a batch of due deliveries by setting a lease (``locked_until``) in one short transaction, so
two dispatchers — or a restarted one — never send the same row at the same time; a dispatcher killed mid-batch
leaves leases that simply expire, and those rows are sent again with the same ``webhook-id`` (receivers
de-duplicate on it). Sending is concurrent with one aiohttp client session (connection reuse, per-request
timeout); aiohttp was chosen by measurement (MEASURED.md: ~5,200 signed POSTs/s at 50 concurrent against
~230/s for httpx's AsyncClient).

Outcomes: 2xx → delivered; 410 Gone → the endpoint is disabled and its pending deliveries are parked as dead;
a URL the address guard refuses at connection time → dead at once (``pricewatch.webhooks.guard``);
anything else (status, timeout, refused connection) → retried on a growing schedule with ±20 % jitter — 5 s,
5 min, 30 min, 2 h, 5 h, 10 h, then every 10 h until 3 days have passed since the event — and then dead.
Dead deliveries can be replayed (``replay``). Delivering a ``violation.opened`` event marks the alert notified.
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from pricewatch.store.engine import Database
from pricewatch.store.models import Alert, WebhookDelivery, WebhookEndpoint, utcnow
from pricewatch.webhooks.endpoints import active_secrets, allowed_private
from pricewatch.webhooks.guard import AddressRefused, GuardedResolver, check_literal
from pricewatch.webhooks.signing import sign_headers

SCHEDULE = [timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
            timedelta(hours=5), timedelta(hours=10)]
GIVE_UP_AFTER = timedelta(days=3)


def next_delay(attempts: int, schedule: list[timedelta] | None = None, rng: random.Random | None = None) -> timedelta:
    """Delay before retry number ``attempts`` (1-based), with ±20 % jitter."""
    schedule = schedule or SCHEDULE
    base = schedule[min(attempts - 1, len(schedule) - 1)]
    return base * (rng or random).uniform(0.8, 1.2)


@dataclass
class DispatchStats:
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    dead: int = 0
    disabled_endpoints: list[int] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.sent} sent: {self.delivered} delivered, {self.failed} to retry, {self.dead} dead"
                + (f"; endpoints disabled (410): {self.disabled_endpoints}" if self.disabled_endpoints else ""))


@dataclass
class _Job:
    id: int
    event_id: str
    endpoint_id: int
    url: str
    body: str
    secrets: list[str]
    attempts: int
    created_at: datetime
    event_type: str
    alert_id: int | None


def claim(db: Database, *, limit: int, lease: timedelta, now: datetime | None = None) -> list[_Job]:
    """Lease up to ``limit`` due deliveries (pending or failed, due, not leased) and return them.

    The lease is taken by one UPDATE … WHERE id IN (SELECT … LIMIT n) statement, atomic on SQLite and, with
    SKIP LOCKED, on PostgreSQL; the rows are then read back by the run's token.
    """
    now = now or utcnow()
    token = uuid.uuid4().hex
    due = (select(WebhookDelivery.id)
           .where(WebhookDelivery.status.in_(("pending", "failed")), WebhookDelivery.next_attempt_at <= now,
                  or_(WebhookDelivery.locked_until.is_(None), WebhookDelivery.locked_until < now))
           .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit))
    if db.dialect == "postgresql":
        due = due.with_for_update(skip_locked=True)
    with db.session() as s:
        s.execute(update(WebhookDelivery).where(WebhookDelivery.id.in_(due.scalar_subquery()))
                  .values(locked_until=now + lease, claimed_by=token).execution_options(synchronize_session=False))
        rows = s.execute(select(WebhookDelivery, WebhookEndpoint)
                         .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
                         .where(WebhookDelivery.claimed_by == token, WebhookDelivery.locked_until == now + lease)
                         .order_by(WebhookDelivery.id)).all()
        jobs = []
        parked = []
        for d, e in rows:
            if not e.enabled:
                parked.append(d.id)
                continue
            payload = d.payload or {}
            jobs.append(_Job(d.id, d.event_id, e.id, e.url, json.dumps(payload, ensure_ascii=False,
                                                                        separators=(",", ":")),
                             active_secrets(e, now), d.attempts, d.created_at, d.event_type,
                             (payload.get("violation") or {}).get("id")))
        if parked:  # the endpoint was disabled after these were queued
            s.execute(update(WebhookDelivery).where(WebhookDelivery.id.in_(parked))
                      .values(status="dead", last_error="endpoint disabled", locked_until=None)
                      .execution_options(synchronize_session=False))
        s.commit()
    return jobs


REFUSED = 0  # the status recorded for a delivery the address guard refused: never sent, dead at once


async def _send_all(jobs: list[_Job], *, concurrency: int, timeout: float,
                    allowed: set[str] | None = None) -> list[tuple[int | None, str | None]]:
    """POST each job; (HTTP status, error) per job. The connection goes only to addresses the guard checked
    when it resolved them (:class:`GuardedResolver`), so DNS rebinding and a host taken out of
    ``allow_private`` stop deliveries; redirects are never followed."""
    import aiohttp

    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency, family=socket.AF_INET,
                                     resolver=GuardedResolver(allowed or set()))
    client_timeout = aiohttp.ClientTimeout(total=timeout)
    semaphore = asyncio.Semaphore(concurrency)
    async with aiohttp.ClientSession(connector=connector, timeout=client_timeout) as session:
        async def one(job: _Job) -> tuple[int | None, str | None]:
            async with semaphore:
                headers = sign_headers(job.event_id, job.body, job.secrets)
                headers["user-agent"] = "pricewatch-webhooks/1"
                try:
                    check_literal(job.url, allowed or set())
                    async with session.post(job.url, data=job.body.encode(), headers=headers,
                                            allow_redirects=False) as response:
                        await response.read()
                        return response.status, None if response.status < 300 else f"HTTP {response.status}"
                except AddressRefused as exc:
                    return REFUSED, f"refused by the address guard: {exc}"[:500]
                except TimeoutError:
                    return None, f"timeout after {timeout:g}s"
                except aiohttp.ClientError as exc:
                    return None, f"{type(exc).__name__}: {exc}"[:500]

        return await asyncio.gather(*(one(j) for j in jobs))


def record(db: Database, jobs: list[_Job], results: list[tuple[int | None, str | None]],
           stats: DispatchStats, now: datetime | None = None, schedule: list[timedelta] | None = None,
           give_up_after: timedelta = GIVE_UP_AFTER) -> None:
    """Write outcomes in one transaction (delivered / retry / dead / endpoint disabled)."""
    now = now or utcnow()
    delivered, gone, retry, dead = [], set(), [], []
    notified_alerts = []
    for job, (status, error) in zip(jobs, results):
        if status is not None and 200 <= status < 300:
            delivered.append({"i": job.id, "st": status})
            if job.event_type == "violation.opened" and job.alert_id:
                notified_alerts.append(job.alert_id)
        elif status == REFUSED:
            dead.append({"i": job.id, "st": None, "err": error, "n": job.attempts})
        elif status == 410:
            gone.add(job.endpoint_id)
            dead.append({"i": job.id, "st": status, "err": "410 Gone: endpoint disabled", "n": job.attempts + 1})
        else:
            attempts = job.attempts + 1
            due = now + next_delay(attempts, schedule)
            if due - job.created_at > give_up_after:
                dead.append({"i": job.id, "st": status, "err": error, "n": attempts})
            else:
                retry.append({"i": job.id, "st": status, "err": error, "n": attempts, "due": due})
    from sqlalchemy import bindparam

    with db.session() as s:
        if delivered:
            s.execute(update(WebhookDelivery.__table__).where(WebhookDelivery.__table__.c.id == bindparam("i"))
                      .values(status="delivered", delivered_at=now, last_status=bindparam("st"), last_error=None,
                              attempts=WebhookDelivery.__table__.c.attempts + 1, locked_until=None), delivered)
        if retry:
            s.execute(update(WebhookDelivery.__table__).where(WebhookDelivery.__table__.c.id == bindparam("i"))
                      .values(status="failed", last_status=bindparam("st"), last_error=bindparam("err"),
                              attempts=bindparam("n"), next_attempt_at=bindparam("due"), locked_until=None), retry)
        if dead:
            s.execute(update(WebhookDelivery.__table__).where(WebhookDelivery.__table__.c.id == bindparam("i"))
                      .values(status="dead", last_status=bindparam("st"), last_error=bindparam("err"),
                              attempts=bindparam("n"), locked_until=None), dead)
        for endpoint_id in gone:
            endpoint = s.get(WebhookEndpoint, endpoint_id)
            if endpoint.enabled:
                endpoint.enabled = False
                endpoint.disabled_reason = f"answered 410 Gone at {now.isoformat()}"
                stats.disabled_endpoints.append(endpoint_id)
            s.execute(update(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id,
                                                    WebhookDelivery.status.in_(("pending", "failed")))
                      .values(status="dead", last_error="endpoint disabled (410 Gone)")
                      .execution_options(synchronize_session=False))
        if notified_alerts:
            for alert in s.scalars(select(Alert).where(Alert.id.in_(notified_alerts), Alert.notified_at.is_(None))):
                alert.notified_at = now
                if alert.status == "open":
                    alert.status = "notified"
                    alert.history = [*(alert.history or []), {"at": now.isoformat(), "from": "open",
                                                              "to": "notified", "by": "dispatcher"}]
        s.commit()
    stats.sent += len(jobs)
    stats.delivered += len(delivered)
    stats.failed += len(retry)
    stats.dead += len(dead)


def dispatch(db: Database, *, concurrency: int = 50, timeout: float = 10.0, batch: int = 2000,
             lease: timedelta = timedelta(seconds=60), max_rounds: int | None = None,
             schedule: list[timedelta] | None = None, give_up_after: timedelta = GIVE_UP_AFTER) -> DispatchStats:
    """Send everything due now, round after round, until nothing is due (or ``max_rounds``).

    ``schedule``/``give_up_after`` override the retry schedule (tests, or ``[webhooks] retry_seconds``)."""
    stats = DispatchStats()
    rounds = 0
    while max_rounds is None or rounds < max_rounds:
        jobs = claim(db, limit=batch, lease=lease)
        if not jobs:
            break
        results = asyncio.run(_send_all(jobs, concurrency=concurrency, timeout=timeout,
                                        allowed=allowed_private(db)))
        record(db, jobs, results, stats, schedule=schedule, give_up_after=give_up_after)
        rounds += 1
    return stats


def replay(db: Database, *, delivery_id: int | None = None, dead: bool = False) -> int:
    """Queue a delivery (or every dead one) again, now, keeping its event id. Returns how many."""
    now = utcnow()
    with db.session() as s:
        stmt = update(WebhookDelivery)
        if delivery_id is not None:
            stmt = stmt.where(WebhookDelivery.id == delivery_id)
        elif dead:
            stmt = stmt.where(WebhookDelivery.status == "dead")
        else:
            return 0
        result = s.execute(stmt.values(status="pending", next_attempt_at=now, locked_until=None, created_at=now)
                           .execution_options(synchronize_session=False))
        s.commit()
        return result.rowcount or 0
