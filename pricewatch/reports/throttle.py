"""Keyless abuse controls for public reports: a proof-of-work challenge per report and rate limits.

Proof of work (hashcash): ``GET /v1/reports/challenge`` hands out a random single-use token and a difficulty
``bits``; the reporter's page finds a ``nonce`` such that SHA-256(``token:nonce``) starts with ``bits`` zero bits
(about 2^bits hashes: a fraction of a second in a browser at the default 16 bits, but 10,000 reports cost a
flooder hours) and sends ``{"challenge": token, "nonce": nonce}`` with the report. A token is deleted when used
and expires after ``challenge_minutes``. No library does this small thing (hashcash packages are unmaintained and
mail-specific), so it is written here.

Rate limits are counted in the database, so several API processes share them: at most ``per_address_per_hour``
reports from one address (a keyed hash of it, never the address itself) and ``global_per_minute`` from everyone.
Challenges are limited per address in memory (``challenges_per_minute``) so the token table cannot be flooded.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import deque
from datetime import timedelta

from sqlalchemy import delete, func, select

from pricewatch.store.engine import Database
from pricewatch.store.models import PublicReport, ReportChallenge, utcnow


class Throttled(Exception):
    """Too many requests (429); ``retry_after`` in seconds."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class ProofRefused(ValueError):
    """The proof of work is missing, expired, already used or wrong (the message says which)."""


def leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        return bits + 8 - byte.bit_length()
    return bits


def proof_ok(token: str, nonce: str, bits: int) -> bool:
    return leading_zero_bits(hashlib.sha256(f"{token}:{nonce}".encode()).digest()) >= bits


def solve(token: str, bits: int) -> str:
    """A nonce for ``token`` (what a reporter's browser or app computes; used by tests and the demo)."""
    n = 0
    while not proof_ok(token, str(n), bits):
        n += 1
    return str(n)


def client_key(address: str, salt: str) -> str:
    """A keyed hash of the sender's address: enough to count its reports, not enough to recover it."""
    return hashlib.sha256(f"{salt}\x1f{address}".encode()).hexdigest()


class _Window:
    """Per-key sliding window counters in this process (challenge issuance)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.hits: dict[str, deque] = {}

    def allow(self, key: str, limit: int, seconds: float) -> bool:
        now = time.monotonic()
        with self.lock:
            q = self.hits.setdefault(key, deque())
            while q and q[0] <= now - seconds:
                q.popleft()
            if len(q) >= limit:
                return False
            q.append(now)
            if len(self.hits) > 100_000:  # forget idle addresses
                for k in [k for k, v in self.hits.items() if not v]:
                    del self.hits[k]
            return True


CHALLENGE_WINDOW = _Window()


def issue_challenge(db: Database, client: str, *, bits: int, minutes: int, per_minute: int) -> dict:
    """A new single-use challenge for ``client`` (a :func:`client_key`), or :class:`Throttled`."""
    if not CHALLENGE_WINDOW.allow(client, per_minute, 60):
        raise Throttled("too many challenges from this address; wait a minute", 60)
    now = utcnow()
    token = secrets.token_hex(16)
    with db.session() as s:
        s.execute(delete(ReportChallenge).where(ReportChallenge.expires_at < now))
        s.add(ReportChallenge(token=token, bits=bits, issued_at=now, expires_at=now + timedelta(minutes=minutes)))
        s.commit()
    return {"challenge": token, "bits": bits, "expires_at": (now + timedelta(minutes=minutes)).isoformat()
            .replace("+00:00", "Z"),
            "how": "find a nonce such that SHA-256(challenge + ':' + nonce) starts with `bits` zero bits; send "
                   '{"proof": {"challenge": …, "nonce": …}} with the report'}


def redeem(session, token: str | None, nonce: str | None) -> None:  # noqa: ANN001
    """Use up a challenge in the caller's transaction, or :class:`ProofRefused`."""
    if not token or nonce is None:
        raise ProofRefused("proof: missing; get a challenge from GET /v1/reports/challenge and send "
                           '{"proof": {"challenge": …, "nonce": …}}')
    row = session.get(ReportChallenge, str(token)[:64])
    if row is None or row.expires_at < utcnow():
        raise ProofRefused("proof: unknown, expired or already used challenge; get a new one")
    if not proof_ok(row.token, str(nonce)[:64], row.bits):
        raise ProofRefused(f"proof: the nonce does not solve the challenge ({row.bits} zero bits needed)")
    # single use: whoever deletes the row first wins (a replay in another transaction deletes nothing)
    gone = session.execute(delete(ReportChallenge).where(ReportChallenge.token == row.token)).rowcount
    if gone != 1:
        raise ProofRefused("proof: unknown, expired or already used challenge; get a new one")


def check_rates(session, client: str, *, per_address_per_hour: int, global_per_minute: int) -> None:  # noqa: ANN001
    """:class:`Throttled` when ``client`` or everyone has sent too many reports lately."""
    now = utcnow()
    mine = session.scalar(select(func.count()).select_from(PublicReport)
                          .where(PublicReport.client == client, PublicReport.received_at > now - timedelta(hours=1)))
    if mine >= per_address_per_hour:
        raise Throttled(f"at most {per_address_per_hour} reports an hour from one address; thank you — try again "
                        "later", 3600)
    everyone = session.scalar(select(func.count()).select_from(PublicReport)
                              .where(PublicReport.received_at > now - timedelta(minutes=1)))
    if everyone >= global_per_minute:
        raise Throttled("the reporting channel is busy; try again in a minute", 60)
