"""Re-checking delisted listings: a listing answered ``delisted`` that is still selling is caught.

Evidence of still selling: an observation of the listing after the answer that is in stock (from the next crawl
of its page or the platform's next feed). The violation is then reopened (status ``open`` with a "re-listed" note)
and a ``violation.updated`` event says so. ``due_for_recheck`` lists the delisted listings (with their URLs) for
the scheduler to crawl.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from pricewatch.store.engine import Database
from pricewatch.store.models import Alert, AuditLog, Listing, PriceObservation, utcnow
from pricewatch.webhooks.outbox import enqueue_alert_event


@dataclass
class RecheckStats:
    checked: int = 0
    relisted: int = 0


def due_for_recheck(db: Database) -> list[tuple[int, str | None]]:
    """(listing id, url) of listings whose violations were answered ``delisted``."""
    with db.session() as s:
        return [(lid, url) for lid, url in s.execute(
            select(Listing.id, Listing.url).join(Alert, Alert.listing_id == Listing.id)
            .where(Alert.status == "delisted").distinct())]


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
        s.commit()
    return stats
