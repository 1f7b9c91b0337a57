"""Re-checking delisted listings: a listing answered ``delisted`` that is still selling is caught.

Evidence of still selling: an observation of the listing after the answer that is in stock (from the next crawl
of its page or the platform's next feed). The violation is then reopened (status ``open`` with a "re-listed" note)
and a ``violation.updated`` event says so. ``due_for_recheck`` lists the delisted listings (with their URLs) for
the scheduler to crawl, and the listings a reviewer asked to re-check (``recheck_request``, from the review
workspace). A request is answered by the first observation of its listing after it was made: ``still_selling``
(in stock or availability unknown) or ``not_seen`` (out of stock); it stays pending until such an observation
arrives.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from pricewatch.store.engine import Database
from pricewatch.store.models import Alert, AuditLog, Listing, PriceObservation, RecheckRequest, utcnow
from pricewatch.webhooks.outbox import enqueue_alert_event


@dataclass
class RecheckStats:
    checked: int = 0
    relisted: int = 0
    requests_answered: int = 0


def due_for_recheck(db: Database) -> list[tuple[int, str | None]]:
    """(listing id, url) of listings whose violations were answered ``delisted`` or whose re-check a reviewer
    requested (pending requests)."""
    with db.session() as s:
        delisted = [(lid, url) for lid, url in s.execute(
            select(Listing.id, Listing.url).join(Alert, Alert.listing_id == Listing.id)
            .where(Alert.status == "delisted").distinct())]
        requested = [(lid, url) for lid, url in s.execute(
            select(Listing.id, Listing.url).join(RecheckRequest, RecheckRequest.listing_id == Listing.id)
            .where(RecheckRequest.done_at.is_(None)).distinct())]
    seen = {lid for lid, _ in delisted}
    return delisted + [(lid, url) for lid, url in requested if lid not in seen]


def answer_requests(session, actor: str = "recheck") -> int:  # noqa: ANN001
    """Close the pending re-check requests whose listing was observed after the request (module docstring)."""
    answered = 0
    for request in session.scalars(select(RecheckRequest).where(RecheckRequest.done_at.is_(None))):
        seen = session.execute(select(PriceObservation.observed_at, PriceObservation.availability)
                               .where(PriceObservation.listing_id == request.listing_id,
                                      PriceObservation.observed_at > request.requested_at)
                               .order_by(PriceObservation.observed_at).limit(1)).first()
        if seen is None:
            continue
        request.done_at = utcnow()
        request.outcome = "not_seen" if seen.availability == "out_of_stock" else "still_selling"
        session.add(AuditLog(actor=actor, action="violation.rechecked", target=f"alert:{request.alert_id}",
                             detail={"outcome": request.outcome, "seen_at": seen.observed_at.isoformat(),
                                     "requested_by": request.requested_by}))
        answered += 1
    return answered


def recheck(db: Database, actor: str = "recheck") -> RecheckStats:
    stats = RecheckStats()
    with db.session() as s:
        alerts = s.scalars(select(Alert).where(Alert.status == "delisted")).all()
        for alert in alerts:
            stats.checked += 1
            seen = s.scalar(select(PriceObservation.observed_at)
                            .where(PriceObservation.listing_id == alert.listing_id,
                                   PriceObservation.observed_at > alert.answered_at,
                                   PriceObservation.availability != "out_of_stock")
                            .order_by(PriceObservation.observed_at.desc()).limit(1))
            if seen is None:
                continue
            now = utcnow()
            note = f"re-listed: still selling at {seen.isoformat()} after the delisting answer"
            alert.history = [*(alert.history or []), {"at": now.isoformat(), "from": "delisted", "to": "open",
                                                      "by": actor, "note": note, "relisted": True}]
            alert.status = "open"
            alert.updated_at = now
            s.get(Listing, alert.listing_id).status = "active"
            s.add(AuditLog(actor=actor, action="violation.relisted", target=f"alert:{alert.id}",
                           detail={"seen_at": seen.isoformat()}))
            s.flush()
            enqueue_alert_event(s, alert, "violation.updated")
            stats.relisted += 1
        stats.requests_answered = answer_requests(s, actor)
        s.commit()
    return stats
