"""The review workspace's test case: a mask listing on jd whose price jumped during a declared emergency, its
seller trading on tmall under the same business licence, a stored product page as evidence (with a script and an
external image in it, as real shop pages have), and one notified violation. Also ``many_alerts`` for the queue's
filters and the benchmark."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

import pandas as pd
from sqlalchemy import insert, select, update

from pricewatch.emergency import add_emergency
from pricewatch.enforcement.compliance import set_pledge
from pricewatch.enforcement.joint import set_license
from pricewatch.evidence.store import EvidenceStore
from pricewatch.ingest import ingest_frame
from pricewatch.keys import create_key
from pricewatch.store.models import Alert, Listing, Platform, PriceObservation, Seller, utcnow

LICENSE = "91110105MA01ABCD2X"
EVIDENCE_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>医用外科口罩 50只/盒</title>
<link rel="stylesheet" href="https://cdn.shop.example/site.css">
<script>document.title = "SCRIPT RAN"; window.parent.postMessage("script ran", "*");</script></head>
<body><h1 id="title">医用外科口罩 50只/盒 一次性三层</h1>
<img src="https://img.shop.example/mask.jpg" alt="mask">
<p class="was">原价 ¥29.90</p><p class="price">券后价 ¥<span>89.90</span> 元</p>
<script src="https://tracker.example/t.js"></script>
<p id="marker">page text</p><script>document.getElementById("marker").textContent = "SCRIPT RAN";</script>
</body></html>"""


@dataclass
class Case:
    alert_id: int
    observations: int  # priced observations of the listing (the chart's points)
    evidence_sha256: str
    keys: dict[str, str]


def seed_case(db, *, days: int = 20) -> Case:  # noqa: ANN001
    """Ingest the listing's history, store the evidence page, declare the emergency, open the violation."""
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    start = now - timedelta(days=days)
    jump = start + timedelta(days=days // 2)
    set_pledge(db, "jd", deadline_hours=24)
    set_pledge(db, "tmall", deadline_hours=48)
    rows = []
    for d in range(days):
        at = start + timedelta(days=d, hours=2)
        after = at >= jump
        rows.append({"platform": "jd", "listing_id": "J1", "seller_id": "s1", "seller_name": "康宁大药房",
                     "observed_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "price": "89.90" if after else "29.90",
                     "shipping": "6.00" if after else "0", "currency": "CNY", "title": "医用外科口罩 50只/盒",
                     "url": "https://item.jd.example/J1.html", "region": "CN", "category": "mask.surgical"})
    # a second source the same day: two points at one instant on the chart
    rows.append({**rows[3], "observed_at": (start + timedelta(days=3, hours=9)).strftime("%Y-%m-%dT%H:%M:%SZ")})
    rows.append({"platform": "tmall", "listing_id": "T7", "seller_id": "t9", "seller_name": "康宁大药房旗舰店",
                 "observed_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "price": "35.00", "currency": "CNY",
                 "title": "口罩 50只", "category": "mask.surgical"})
    ingest_frame(db, pd.DataFrame(rows), source="feed:test")
    sha = EvidenceStore(db).put(EVIDENCE_PAGE.encode("utf-8"), url="https://item.jd.example/J1.html", status=200,
                                content_type="text/html; charset=utf-8", fetched_at=jump + timedelta(hours=2))
    emergency = add_emergency(db, name="COVID-19 一级响应", jurisdiction="CN", start=start + timedelta(days=days // 2 - 1))
    with db.session() as s:
        listing = s.scalar(select(Listing).where(Listing.listing_key == "J1"))
        first_after = s.scalar(select(PriceObservation.id).where(PriceObservation.listing_id == listing.id,
                                                                 PriceObservation.observed_at >= jump)
                               .order_by(PriceObservation.observed_at).limit(1))
        s.execute(update(PriceObservation).where(PriceObservation.id == first_after).values(snapshot_sha256=sha))
        for seller in s.scalars(select(Seller)):
            set_license(s, seller, LICENSE, actor="key:1(regulator)", note="SAMR registry")
        priced = s.scalar(select(PriceObservation.id).where(PriceObservation.listing_id == listing.id).limit(1))
        assert priced is not None
        count = len(s.scalars(select(PriceObservation.id).where(PriceObservation.listing_id == listing.id,
                                                                 PriceObservation.unit_price.is_not(None))).all())
        alert = Alert(listing_id=listing.id, emergency_id=emergency.id, rule="cn-samr-2020", severity="egregious",
                      score=3.2, first_violation_at=jump + timedelta(hours=2), last_violation_at=now,
                      detected_at=now - timedelta(hours=1), baseline_unit_price=0.598, baseline_method="last_before",
                      baseline_window_start=start, baseline_window_end=jump, baseline_n=10,
                      observed_unit_price=1.918, unit="piece", currency="CNY", increase_pct=220.7,
                      explanation="Unit price rose from ¥0.598 to ¥1.918 per piece (+221%).", flags=["needs_cost_evidence"],
                      evidence=[sha], status="notified", notified_at=now - timedelta(minutes=50),
                      history=[{"at": (now - timedelta(minutes=50)).isoformat(), "from": "open", "to": "notified",
                                "by": "dispatcher"}])
        s.add(alert)
        s.commit()
        alert_id = alert.id
    keys = {role: create_key(db, role=role, platform="jd" if role == "platform" else None, name=f"{role} tester")[1]
            for role in ("regulator", "admin", "analyst", "platform")}
    return Case(alert_id, count, sha, keys)


STATUSES = ("open", "notified", "acknowledged", "delisted", "disputed", "dismissed", "verified", "closed")
SEVERITIES = ("watch", "alert", "severe", "egregious")
CATEGORIES = ("mask.surgical", "mask.respirator", "hand_sanitizer", "disinfectant.alcohol", "gloves", "thermometer")
RULES = ("cn-samr-2020", "generic", "us-ca-pc396", "us-ny")


def many_alerts(db, n: int, *, platforms: int = 5, sellers: int = 400, seed: int = 7) -> None:  # noqa: ANN001
    """``n`` alerts over ``platforms`` platforms and ``sellers`` sellers (one listing per alert), with random
    statuses, severities, categories, rules and detection times over 60 days — written in bulk (Core inserts)."""
    rng = random.Random(seed)
    now = utcnow()
    with db.session() as s:
        names = [f"p{i}" for i in range(platforms)]
        existing = {p.name: p.id for p in s.scalars(select(Platform))}
        for name in names:
            if name not in existing:
                s.add(Platform(name=name, created_at=now))
        s.flush()
        pid = {p.name: p.id for p in s.scalars(select(Platform))}
        s.execute(insert(Seller), [{"platform_id": pid[names[i % platforms]], "seller_key": f"bulk-s{i}",
                                    "name": f"Seller {i} 商行", "license": f"LIC{i % (sellers // 2 or 1):06d}"}
                                   for i in range(sellers)])
        seller_ids = [(sid, plat) for sid, plat in s.execute(select(Seller.id, Seller.platform_id)
                                                            .where(Seller.seller_key.like("bulk-s%")))]
        listings = []
        for i in range(n):
            sid, plat = seller_ids[i % len(seller_ids)]
            listings.append({"platform_id": plat, "listing_key": f"bulk-L{i}", "seller_id": sid,
                             "title": f"口罩 {i}", "category": CATEGORIES[rng.randrange(len(CATEGORIES))],
                             "status": "active", "normalised": True})
        for chunk in range(0, n, 5000):
            s.execute(insert(Listing), listings[chunk:chunk + 5000])
        lids = list(s.scalars(select(Listing.id).where(Listing.listing_key.like("bulk-L%")).order_by(Listing.id)))
        alerts = []
        for lid in lids:
            detected = now - timedelta(minutes=rng.randrange(60 * 24 * 60))
            base = rng.uniform(0.3, 2.0)
            inc = rng.uniform(10, 400)
            alerts.append({"listing_id": lid, "rule": RULES[rng.randrange(len(RULES))],
                           "severity": SEVERITIES[rng.randrange(4)], "status": STATUSES[rng.randrange(8)],
                           "first_violation_at": detected - timedelta(hours=6), "detected_at": detected,
                           "baseline_unit_price": base, "observed_unit_price": base * (1 + inc / 100),
                           "increase_pct": inc, "unit": "piece", "currency": "CNY", "history": []})
        for chunk in range(0, n, 5000):
            s.execute(insert(Alert), alerts[chunk:chunk + 5000])
        s.commit()
