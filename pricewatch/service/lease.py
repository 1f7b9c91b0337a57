"""A named lease in the database: at most one holder at a time, taken over only after it expires.

Acquire and renew are one atomic UPDATE each, so two ``pricewatch run`` processes on one database never both
believe they hold the scheduler lease.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.dialects import postgresql, sqlite

from pricewatch.store.engine import Database
from pricewatch.store.models import Lease, utcnow


def acquire(db: Database, name: str, holder: str, ttl: timedelta, now: datetime | None = None) -> bool:
    """Take or renew ``name`` for ``holder`` until now + ttl; False when another live holder has it."""
    now = now or utcnow()
    insert = postgresql.insert if db.dialect == "postgresql" else sqlite.insert
    with db.engine.begin() as conn:
        conn.execute(insert(Lease).values(name=name, holder=holder, expires_at=now + ttl)
                     .on_conflict_do_nothing(index_elements=["name"]))
        result = conn.execute(update(Lease).where(Lease.name == name,
                                                  or_(Lease.holder == holder, Lease.expires_at < now))
                              .values(holder=holder, expires_at=now + ttl))
        return result.rowcount == 1


def release(db: Database, name: str, holder: str) -> None:
    with db.engine.begin() as conn:
        conn.execute(update(Lease).where(Lease.name == name, Lease.holder == holder)
                     .values(expires_at=utcnow() - timedelta(seconds=1)))


def holds(db: Database, name: str, holder: str) -> bool:
    with db.session() as s:
        lease = s.get(Lease, name)
        return lease is not None and lease.holder == holder and lease.expires_at > utcnow()
