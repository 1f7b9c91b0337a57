"""The webhook outbox: events written in the same transaction as the change that causes them.

``enqueue_alert_event(session, alert, event_type)`` adds one ``webhook_delivery`` row per enabled endpoint of the
alert's platform that subscribes to ``event_type``. It does not commit: the caller's transaction carries both the
alert change and its events, so an event can never be lost between the two. Each event gets its own ``event_id``
(the ``webhook-id`` header), kept across retries. Endpoints are looked up once per session and platform.
:func:`delivery_rows` gives the same rows as plain column values, for callers that insert many events in bulk
(``pricewatch.alerts.store.save_episodes``).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from pricewatch.store.models import Alert, Listing, WebhookDelivery, WebhookEndpoint, utcnow
from pricewatch.webhooks.payload import violation_payload

_CACHE_KEY = "pricewatch.webhook_endpoints"


def enabled_endpoints(session: Session) -> list[WebhookEndpoint]:
    """Every enabled endpoint, loaded once per session."""
    cache = session.info.setdefault(_CACHE_KEY, {})
    if "all" not in cache:
        rows = session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.enabled.is_(True))).all()
        cache["all"] = rows
    return cache["all"]


def platform_endpoints(endpoints: list[WebhookEndpoint], platform_id: int) -> list[WebhookEndpoint]:
    """Those of ``endpoints`` that receive the events of ``platform_id``'s listings (its own and the global ones)."""
    return [e for e in endpoints if e.platform_id in (platform_id, None)]


def _endpoints(session: Session, platform_id: int) -> list[WebhookEndpoint]:
    return platform_endpoints(enabled_endpoints(session), platform_id)


def subscribed(endpoint: WebhookEndpoint, event_type: str) -> bool:
    return not endpoint.events or event_type in endpoint.events


def new_event_id() -> str:
    return "msg_" + uuid.uuid4().hex


def enqueue_event(session: Session, endpoints: list[WebhookEndpoint], event_type: str, payload: dict,
                  alert_id: int | None = None) -> int:
    """Add one outbox row per endpoint subscribed to ``event_type``; returns how many. ``alert_id``: the violation
    the event is about (the alert's timeline lists its deliveries by it)."""
    rows = delivery_rows(endpoints, event_type, payload, alert_id)
    for row in rows:
        session.add(WebhookDelivery(**row))
    return len(rows)


def delivery_rows(endpoints: list[WebhookEndpoint], event_type: str, payload: dict,
                  alert_id: int | None = None) -> list[dict]:
    """The ``webhook_delivery`` column values of one event: one row per endpoint subscribed to ``event_type``, each
    with its own ``event_id``, due at once. :func:`enqueue_event` adds them to a session; the alert store's batch
    path inserts them in bulk."""
    now = utcnow()
    return [{"event_id": new_event_id(), "endpoint_id": endpoint.id, "event_type": event_type, "payload": payload,
             "status": "pending", "attempts": 0, "alert_id": alert_id,
             "next_attempt_at": now - timedelta(seconds=1), "created_at": now}
            for endpoint in endpoints if subscribed(endpoint, event_type)]


def enqueue_alert_event(session: Session, alert: Alert, event_type: str) -> int:
    """Write the outbox rows for a change of ``alert`` (flushed, with an id) in the caller's transaction."""
    listing = alert.listing if alert.listing is not None else session.get(Listing, alert.listing_id)
    endpoints = _endpoints(session, listing.platform_id)
    if not endpoints:
        return 0  # nothing subscribed: no payload to build
    return enqueue_event(session, endpoints, event_type, violation_payload(session, alert, event_type),
                         alert_id=alert.id)
