"""API keys: ``pw_<prefix>_<secret>``, stored as SHA-256 only, compared in constant time, never logged."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from pricewatch.errors import PricewatchError
from pricewatch.store.engine import Database
from pricewatch.store.models import ApiKey, AuditLog, Platform, utcnow

ROLES = ("admin", "regulator", "analyst", "platform")


@dataclass(frozen=True)
class Principal:
    key_id: int
    role: str
    platform_id: int | None
    platform: str | None
    name: str | None

    @property
    def actor(self) -> str:
        return f"key:{self.key_id}({self.role}{'/' + self.platform if self.platform else ''})"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(db: Database, *, role: str, platform: str | None = None, name: str | None = None) -> tuple[int, str]:
    """Create a key; returns (id, the key — shown once)."""
    if role not in ROLES:
        raise PricewatchError(f"role must be one of {', '.join(ROLES)}")
    if (role == "platform") != bool(platform):
        raise PricewatchError("a platform key needs --platform, and only platform keys take one")
    prefix = secrets.token_hex(4)
    key = f"pw_{prefix}_{secrets.token_urlsafe(32)}"
    with db.session() as s:
        platform_id = None
        if platform:
            p = s.scalar(select(Platform).where(Platform.name == platform))
            if p is None:
                p = Platform(name=platform, created_at=utcnow())
                s.add(p)
                s.flush()
            platform_id = p.id
        row = ApiKey(prefix=prefix, key_hash=_digest(key), role=role, platform_id=platform_id, name=name,
                     created_at=utcnow())
        s.add(row)
        s.flush()
        s.add(AuditLog(actor="cli", action="key.create", target=f"key:{row.id}",
                       detail={"role": role, "platform": platform, "prefix": prefix}))
        s.commit()
        return row.id, key


def authenticate(db: Database, presented: str) -> Principal | None:
    """The principal for a presented key, or None. The stored hash is compared in constant time."""
    if not presented.startswith("pw_") or presented.count("_") < 2:
        return None
    prefix = presented.split("_", 2)[1]
    digest = _digest(presented)
    with db.session() as s:
        rows = s.execute(select(ApiKey, Platform.name).outerjoin(Platform, Platform.id == ApiKey.platform_id)
                         .where(ApiKey.prefix == prefix, ApiKey.revoked_at.is_(None))).all()
    found = None
    for row, platform in rows:
        if hmac.compare_digest(row.key_hash, digest):
            found = Principal(row.id, row.role, row.platform_id, platform, row.name)
    return found


def revoke_key(db: Database, key_id: int) -> None:
    with db.session() as s:
        row = s.get(ApiKey, key_id)
        if row is None:
            raise PricewatchError(f"no key {key_id}")
        row.revoked_at = utcnow()
        s.add(AuditLog(actor="cli", action="key.revoke", target=f"key:{key_id}", detail=None))
        s.commit()
