"""The dispatcher: send what is due from the outbox, at least once, with retries and a dead-letter state.

Several dispatchers may run on one database (on PostgreSQL; SQLite has one writer at a time but stays correct).
Each keeps up to ``concurrency`` requests in flight and claims due deliveries for its free slots plus half of
``concurrency`` more (claimed in the background, so a freed slot is refilled at once; a claimed row waits at most
one request's time). The claim sets a lease (``locked_until``) and counts the send (``attempts + 1``) in
one short transaction — ``UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED)`` on PostgreSQL, so concurrent
dispatchers skip each other's rows instead of waiting or sending them twice. While requests run, the lease of
the rows still in flight is renewed every ``lease / 3``. Each outcome is written as it arrives (a writer commits
whatever outcomes have arrived since its last commit, so under load one transaction carries many). A dispatcher
killed at any point therefore leaves only the rows it had in flight (sent, outcome not yet committed): their
leases expire and they are sent again with the same ``webhook-id`` (receivers de-duplicate on it), and
``attempts`` counts every send, including the one the killed process made (rows it had claimed but not yet sent,
at most ``concurrency / 2``, are counted once too often). Sending is concurrent with one
aiohttp client session (connection reuse, per-request timeout); aiohttp was chosen by measurement (MEASURED.md:
~5,200 signed POSTs/s at 50 concurrent against ~230/s for httpx's AsyncClient).

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
from collections import deque
from concurrent.futures import ThreadPoolExecutor
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
    """Lease up to ``limit`` due deliveries (pending or failed, due, not leased) and return them; the caller sends
    them at once.

    The lease is taken by one UPDATE … WHERE id IN (SELECT … LIMIT n) statement, atomic on SQLite and, with
    SKIP LOCKED, on PostgreSQL; the rows are then read back by the claim's token. The same statement counts the
    send (``attempts + 1``), so a send is counted even when the process dies before its outcome is written;
    ``_Job.attempts`` is the count including this send.
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
                  .values(locked_until=now + lease, claimed_by=token, attempts=WebhookDelivery.attempts + 1)
                  .execution_options(synchronize_session=False))
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
        if parked:  # the endpoint was disabled after these were queued: never sent, so the count goes back
            s.execute(update(WebhookDelivery).where(WebhookDelivery.id.in_(parked))
                      .values(status="dead", last_error="endpoint disabled", locked_until=None,
                              attempts=WebhookDelivery.attempts - 1)
                      .execution_options(synchronize_session=False))
        s.commit()
    return jobs


WRITE_LINGER = 0.05  # seconds the writer waits for more outcomes before a commit (caps commits near 20/s)
REFUSED = 0  # the status recorded for a delivery the address guard refused: never sent, dead at once


def _client(concurrency: int, timeout: float, allowed: set[str]):  # noqa: ANN202
    """One aiohttp session for a dispatch run. The connection goes only to addresses the guard checked when it
    resolved them (:class:`GuardedResolver`), so DNS rebinding and a host taken out of ``allow_private`` stop
    deliveries."""
    import aiohttp

    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency, family=socket.AF_INET,
                                     resolver=GuardedResolver(allowed))
    return aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=timeout))


async def _send(session, job: _Job, *, timeout: float, allowed: set[str]) -> tuple[int | None, str | None]:  # noqa: ANN001
    """POST one job; (HTTP status, error). Redirects are never followed."""
    import aiohttp

    headers = sign_headers(job.event_id, job.body, job.secrets)
    headers["user-agent"] = "pricewatch-webhooks/1"
    try:
        check_literal(job.url, allowed)
        async with session.post(job.url, data=job.body.encode(), headers=headers, allow_redirects=False) as response:
            await response.read()
            return response.status, None if response.status < 300 else f"HTTP {response.status}"
    except AddressRefused as exc:
        return REFUSED, f"refused by the address guard: {exc}"[:500]
    except TimeoutError:
        return None, f"timeout after {timeout:g}s"
    except aiohttp.ClientError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]


def renew(db: Database, ids: list[int], lease: timedelta) -> None:
    """Extend the lease of deliveries this dispatcher still holds (claimed, outcome not yet written)."""
    with db.session() as s:
        s.execute(update(WebhookDelivery).where(WebhookDelivery.id.in_(ids), WebhookDelivery.locked_until.is_not(None))
                  .values(locked_until=utcnow() + lease).execution_options(synchronize_session=False))
        s.commit()


async def _run(db: Database, stats: DispatchStats, *, concurrency: int, timeout: float, lease: timedelta,
               max_claims: int | None, schedule: list[timedelta] | None, give_up_after: timedelta) -> None:
    """Keep up to ``concurrency`` requests in flight until nothing is due (see the module docstring).

    One claim at a time runs in the background for the free slots plus ``concurrency / 2``, started when at least
    ``concurrency / 2`` are wanted (claims stay few under load; the claimed rows waiting fill slots meanwhile); after a claim finds nothing due, the run waits for
    its requests and claims once more before it ends, so retries that fell due meanwhile are sent in this run. Outcomes go to a writer task that commits all that arrived
    since its last commit; a heartbeat renews the lease of every row not yet written."""
    allowed = allowed_private(db)
    held: dict[int, _Job] = {}            # claimed, outcome not yet committed
    arrived: list[tuple[_Job, tuple[int | None, str | None]]] = []
    wake = asyncio.Event()
    finished = False

    async def writer() -> None:
        while True:
            await wake.wait()
            await asyncio.sleep(WRITE_LINGER)  # gather what arrives meanwhile into the same transaction
            wake.clear()
            while arrived:
                batch = arrived[:]
                del arrived[:len(batch)]
                await asyncio.to_thread(record, db, [j for j, _ in batch], [r for _, r in batch], stats,
                                        schedule=schedule, give_up_after=give_up_after)
                for job, _ in batch:
                    held.pop(job.id, None)
            if finished:
                return

    async def heartbeat() -> None:
        while True:
            await asyncio.sleep(lease.total_seconds() / 3)
            if held:
                await asyncio.to_thread(renew, db, list(held), lease)

    writing = asyncio.create_task(writer())
    beating = asyncio.create_task(heartbeat())
    changed = asyncio.Event()  # a request finished or a claim came back
    flying = 0
    ready: deque[_Job] = deque()  # claimed, about to be sent (at most PREFETCH of them wait for a slot)
    sending: set[asyncio.Task] = set()  # the loop holds tasks only weakly
    prefetch = max(1, concurrency // 2)

    async def one(session, job: _Job) -> None:  # noqa: ANN001
        nonlocal flying
        try:
            result = await _send(session, job, timeout=timeout, allowed=allowed)
        finally:
            flying -= 1
            changed.set()
        arrived.append((job, result))
        wake.set()

    async def refill(limit: int) -> int:
        try:
            jobs = await asyncio.to_thread(claim, db, limit=limit, lease=lease)
        finally:
            changed.set()
        for job in jobs:
            held[job.id] = job
            ready.append(job)
        return len(jobs)

    try:
        async with _client(concurrency, timeout, allowed) as session:
            claims, drained, claiming = 0, False, None
            while True:
                changed.clear()  # set by anything finishing from here on
                if claiming is not None and claiming.done():
                    got, claiming = claiming.result(), None
                    claims += 1
                    if not got and not flying and not ready:
                        break  # nothing due and nothing running: done
                    drained = not got
                if drained and not flying and not ready:
                    drained = False  # everything sent: one more claim, retries may have fallen due
                while ready and flying < concurrency:
                    flying += 1
                    task = asyncio.create_task(one(session, ready.popleft()))
                    sending.add(task)
                    task.add_done_callback(sending.discard)
                want = concurrency + prefetch - flying - len(ready)
                if (claiming is None and not drained and (max_claims is None or claims < max_claims)
                        and (want >= prefetch or not flying)):
                    claiming = asyncio.create_task(refill(want))
                if claiming is None and not flying and not ready:
                    break  # max_claims reached and all sent
                await changed.wait()
    finally:
        finished = True
        wake.set()
        await writing
        beating.cancel()


def record(db: Database, jobs: list[_Job], results: list[tuple[int | None, str | None]],
           stats: DispatchStats, now: datetime | None = None, schedule: list[timedelta] | None = None,
           give_up_after: timedelta = GIVE_UP_AFTER) -> None:
    """Write outcomes in one transaction (delivered / retry / dead / endpoint disabled). ``job.attempts`` already
    counts this send (see :func:`claim`); a request the address guard refused was never sent and is uncounted."""
    now = now or utcnow()
    delivered, gone, retry, dead = [], set(), [], []
    notified_alerts = []
    for job, (status, error) in zip(jobs, results):
        if status is not None and 200 <= status < 300:
            delivered.append({"i": job.id, "st": status})
            if job.event_type == "violation.opened" and job.alert_id:
                notified_alerts.append(job.alert_id)
        elif status == REFUSED:
            dead.append({"i": job.id, "st": None, "err": error, "n": job.attempts - 1})
        elif status == 410:
            gone.add(job.endpoint_id)
            dead.append({"i": job.id, "st": status, "err": "410 Gone: endpoint disabled", "n": job.attempts})
        else:
            attempts = job.attempts
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
                              locked_until=None), delivered)
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


def dispatch(db: Database, *, concurrency: int = 50, timeout: float = 10.0, batch: int | None = None,
             lease: timedelta = timedelta(seconds=60), max_rounds: int | None = None,
             schedule: list[timedelta] | None = None, give_up_after: timedelta = GIVE_UP_AFTER) -> DispatchStats:
    """Send everything due now, keeping ``concurrency`` requests in flight, until nothing is due.

    ``max_rounds`` bounds the number of claims (each for at most ``concurrency`` rows); ``batch`` is accepted for
    callers of the earlier batch-at-a-time dispatcher and ignored (claims are sized by free slots).
    ``schedule``/``give_up_after`` override the retry schedule (tests, or ``[webhooks] retry_seconds``).
    ``lease`` should exceed ``timeout`` comfortably; it is renewed every ``lease / 3`` while rows are held."""
    del batch
    stats = DispatchStats()

    def send_all() -> None:
        asyncio.run(_run(db, stats, concurrency=concurrency, timeout=timeout, lease=lease, max_claims=max_rounds,
                         schedule=schedule, give_up_after=give_up_after))

    try:
        asyncio.get_running_loop()
    except RuntimeError:  # the usual case: no event loop in this thread
        send_all()
    else:  # called where a loop already runs (a notebook, a test harness): our own loop on a thread of its own
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(send_all).result()
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
