"""A market with known enforcement history at fixed instants: three platforms (24 h, 48 h, no pledge) and alerts
notified, answered in time, late, never, dismissed, re-listed — so every compliance figure has a known value at a
given clock. Shared by tests/test_compliance.py and the UI page tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd
from sqlalchemy import select

from pricewatch.enforcement.compliance import set_pledge
from pricewatch.enforcement.responses import answer, decide
from pricewatch.evidence import EvidenceStore
from pricewatch.ingest import ingest_frame
from pricewatch.store.models import Alert, AuditLog, Listing, PriceObservation, WebhookEndpoint

T0 = datetime(2020, 2, 10, 2, 0, tzinfo=UTC)  # every notification is relative to this instant


def h(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


# listing → (platform, notified after T0 (h), answered after T0 (h) or None, response, status, closed after T0 (h))
CASES = {
    "J1": ("jd", 0, 10, "delisted", "delisted", None),       # in time (10 h < 24 h)
    "J2": ("jd", 0, 30, "delisted", "delisted", None),       # late (30 h)
    "J3": ("jd", 0, 20, "disputed", "disputed", None),       # in time, disputed
    "J4": ("jd", 0, None, None, "notified", None),           # never answered: overdue after 24 h
    "J5": ("jd", 12, None, None, "notified", None),          # never answered: overdue after 36 h
    "J6": ("jd", 0, None, None, "dismissed", 5),             # dismissed by a regulator: never overdue
    "T1": ("tmall", 0, 40, "delisted", "open", None),        # in time (40 h < 48 h), then re-listed at 60 h
    "T2": ("tmall", 0, None, None, "notified", None),        # overdue after 48 h
    "N1": ("nopledge", 0, None, None, "notified", None),     # no pledge: nothing is overdue
}
RELISTED = {"T1": 60}


def seed_compliance(db) -> dict[str, int]:  # noqa: ANN001
    """Ingest the listings, record the pledges and write the alerts; returns listing id → alert id."""
    rows = []
    for key, (platform, *_rest) in CASES.items():
        for d in range(3):
            rows.append({"platform": platform, "listing_id": key, "seller_id": f"{platform}-s-{key}",
                         "seller_name": f"Shop {key}", "seller_license": "LIC-COMPLY" if key in ("J1", "T1") else "",
                         "observed_at": (T0 - timedelta(days=d)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                         "price": "29.90", "currency": "CNY", "title": "医用外科口罩 50只/盒",
                         "url": f"https://{platform}.example/item/{key}"})
    ingest_frame(db, pd.DataFrame(rows))
    set_pledge(db, "jd", deadline_hours=24, signed_on=date(2020, 1, 25), country="CN")
    set_pledge(db, "tmall", deadline_hours=48, signed_on=date(2020, 1, 26), country="CN")
    ids = {}
    with db.session() as s:
        for key, (_platform, notified, answered, response, status, closed) in CASES.items():
            listing = s.scalar(select(Listing).where(Listing.listing_key == key))
            alert = Alert(listing_id=listing.id, rule="cn-samr-2020", severity="severe", first_violation_at=h(-48),
                          detected_at=h(-1), baseline_unit_price=0.6, observed_unit_price=3.0, unit="piece",
                          currency="CNY", increase_pct=400.0, status=status, history=[],
                          notified_at=h(notified), answered_at=h(answered) if answered is not None else None,
                          response=response, closed_at=h(closed) if closed is not None else None)
            s.add(alert)
            s.flush()
            ids[key] = alert.id
        for key, at in RELISTED.items():
            s.add(AuditLog(at=h(at), actor="recheck", action="violation.relisted", target=f"alert:{ids[key]}",
                           detail={"seen_at": h(at).isoformat()}))
        s.commit()
    return ids


PAGE = ("<html><head><title>医用外科口罩 50只/盒</title></head><body><h1>医用外科口罩</h1>"
        "<span class='price'>¥149.00</span></body></html>").encode()
FEED = b'{"listing_id": "J1", "price": "149.00", "currency": "CNY"}'


def seed_enforced_case(db) -> dict:  # noqa: ANN001
    """jd's J1 (licence LIC-COMPLY, also trading on tmall as T1) with two evidence pages, delisted by jd and upheld
    by a regulator; webhook endpoints on both platforms so the answers and the seller.flagged event are queued."""
    ids = seed_compliance(db)
    store = EvidenceStore(db)
    page = store.put(PAGE, url="https://jd.example/item/J1", status=200, content_type="text/html; charset=utf-8")
    feed = store.put(FEED, url="https://jd.example/feed.json", status=200, content_type="application/json")
    with db.session() as s:
        for platform_id in {s.get(Listing, s.get(Alert, ids[k]).listing_id).platform_id for k in ("J1", "T1")}:
            s.add(WebhookEndpoint(platform_id=platform_id, url=f"https://hooks{platform_id}.example/pw",
                                  secrets=[{"secret": "whsec_" + "A" * 32, "expires_at": None}]))
        alert = s.get(Alert, ids["J1"])
        alert.evidence = [page]
        obs = s.scalars(select(PriceObservation).where(PriceObservation.listing_id == alert.listing_id)
                        .order_by(PriceObservation.observed_at)).all()
        obs[-1].snapshot_sha256 = feed
        alert.status = "notified"
        s.flush()
        answer(s, alert, "delisted", reason=None, actor="platform:jd")
        decide(s, alert, "upheld", note="confirmed on inspection", actor="regulator:wang")
        s.commit()
    return {"db": db, "alert": ids["J1"], "page": page, "feed": feed, "ids": ids}
