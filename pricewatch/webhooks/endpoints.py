"""Webhook endpoints: registration (with the private-address guard), listing, disabling, secret rotation."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from pricewatch.errors import NotFound, PricewatchError
from pricewatch.store.engine import Database
from pricewatch.store.models import AuditLog, Platform, WebhookEndpoint, utcnow
from pricewatch.webhooks.guard import check_url as guard_check_url
from pricewatch.webhooks.guard import normalised_allowed
from pricewatch.webhooks.signing import new_secret

EVENT_TYPES = ("violation.opened", "violation.updated", "violation.closed", "seller.flagged", "seller.warned")
DEFAULT_OVERLAP = timedelta(hours=24)


def allowed_private(db: Database) -> set[str]:
    """``[webhooks] allow_private``: hosts and addresses exempt from the address guard."""
    return normalised_allowed(db.settings.section("webhooks").get("allow_private", []))


def check_url(db: Database, url: str) -> None:
    """Refuse URLs deliveries could not or may not go to (see :mod:`pricewatch.webhooks.guard`): not http(s),
    a numeric host in a non-standard form, or a host that resolves to a non-global address — unless the host is
    listed in ``[webhooks] allow_private`` of pricewatch.toml. Deliveries check again at connection time."""
    guard_check_url(url, allowed_private(db))


def platform_by_name(session, name: str) -> Platform:  # noqa: ANN001
    platform = session.scalar(select(Platform).where(Platform.name == name))
    if platform is None:
        raise NotFound(f"no platform named {name!r} (platforms appear when their data is ingested, or with "
                       "`pricewatch platforms set`)")
    return platform


def add_endpoint(db: Database, *, platform: str, url: str, events: list[str] | None = None,
                 actor: str = "cli") -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it and its secret (shown once)."""
    unknown = [e for e in events or [] if e not in EVENT_TYPES]
    if unknown:
        raise PricewatchError(f"unknown event types {', '.join(unknown)}; known: {', '.join(EVENT_TYPES)}")
    check_url(db, url)
    secret = new_secret()
    with db.session() as s:
        p = platform_by_name(s, platform)
        endpoint = WebhookEndpoint(platform_id=p.id, url=url, events=events or None,
                                   secrets=[{"secret": secret, "expires_at": None}], enabled=True, created_at=utcnow())
        s.add(endpoint)
        s.flush()
        s.add(AuditLog(actor=actor, action="webhook.add", target=f"endpoint:{endpoint.id}",
                       detail={"platform": platform, "url": url, "events": events}))
        s.commit()
    return endpoint, secret


def active_secrets(endpoint: WebhookEndpoint, now: datetime | None = None) -> list[str]:
    now = now or utcnow()
    out = []
    for item in endpoint.secrets or []:
        expires = item.get("expires_at")
        if expires is None or datetime.fromisoformat(expires) > now:
            out.append(item["secret"])
    return out


def rotate_secret(db: Database, endpoint_id: int, overlap: timedelta = DEFAULT_OVERLAP, actor: str = "cli") -> str:
    """Add a new secret; current secrets keep signing until ``overlap`` has passed. Returns the new secret."""
    secret = new_secret()
    now = utcnow()
    with db.session() as s:
        endpoint = s.get(WebhookEndpoint, endpoint_id)
        if endpoint is None:
            raise NotFound(f"no webhook endpoint {endpoint_id}")
        expires = (now + overlap).isoformat()
        kept = []
        for item in endpoint.secrets or []:
            current = item.get("expires_at")
            if current is None or datetime.fromisoformat(current) > now:
                kept.append({"secret": item["secret"],
                             "expires_at": min(current, expires) if current else expires})
        endpoint.secrets = [*kept, {"secret": secret, "expires_at": None}]
        s.add(AuditLog(actor=actor, action="webhook.rotate", target=f"endpoint:{endpoint_id}",
                       detail={"overlap_seconds": overlap.total_seconds()}))
        s.commit()
    return secret


def set_enabled(db: Database, endpoint_id: int, enabled: bool, reason: str | None = None, actor: str = "cli") -> None:
    with db.session() as s:
        endpoint = s.get(WebhookEndpoint, endpoint_id)
        if endpoint is None:
            raise NotFound(f"no webhook endpoint {endpoint_id}")
        endpoint.enabled = enabled
        endpoint.disabled_reason = None if enabled else reason
        s.add(AuditLog(actor=actor, action="webhook.enable" if enabled else "webhook.disable",
                       target=f"endpoint:{endpoint_id}", detail={"reason": reason}))
        s.commit()
