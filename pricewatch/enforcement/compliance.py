"""Pledge compliance per platform: did platforms answer in time and delist?

Per platform: violations notified; answered; answered within the pledge's delisting deadline; delisted; disputed;
overdue (notified, unanswered, past the deadline); median hours from notification to a delisting answer; re-listings
caught (delisted listings found selling again). Platforms without a recorded pledge have no deadline: nothing is
overdue for them and "in time" is blank.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import select

from pricewatch.errors import PricewatchError
from pricewatch.store.engine import Database
from pricewatch.store.models import Alert, AuditLog, Listing, Platform, utcnow


def set_pledge(db: Database, name: str, *, deadline_hours: int | None = None, signed_on: date | None = None,
               country: str | None = None, text: str | None = None) -> Platform:
    """Create or update a platform and its pledge."""
    if deadline_hours is not None and deadline_hours <= 0:
        raise PricewatchError("the delisting deadline must be a positive number of hours")
    with db.session() as s:
        platform = s.scalar(select(Platform).where(Platform.name == name))
        if platform is None:
            platform = Platform(name=name, created_at=utcnow())
            s.add(platform)
        if deadline_hours is not None:
            platform.delisting_deadline_hours = deadline_hours
        if signed_on is not None:
            platform.pledge_signed_on = signed_on
        if country is not None:
            platform.country = country.upper()
        if text is not None:
            platform.pledge_text = text
        s.add(AuditLog(actor="cli", action="platform.pledge", target=f"platform:{name}",
                       detail={"deadline_hours": deadline_hours, "signed_on": str(signed_on) if signed_on else None}))
        s.commit()
        return platform


def compliance(db: Database, now: datetime | None = None) -> pd.DataFrame:
    """One row per platform with the columns described in the module docstring."""
    now = now or utcnow()
    with db.session() as s:
        rows = s.execute(select(Platform.name, Platform.delisting_deadline_hours, Alert.status, Alert.notified_at,
                                Alert.answered_at, Alert.response, Alert.id)
                         .join(Listing, Listing.platform_id == Platform.id)
                         .join(Alert, Alert.listing_id == Listing.id)).all()
        relists = s.execute(select(AuditLog.target).where(AuditLog.action == "violation.relisted")).scalars().all()
        alert_platform = dict(s.execute(select(Alert.id, Platform.name).join(Listing, Listing.id == Alert.listing_id)
                                        .join(Platform, Platform.id == Listing.platform_id)).all())
        platforms = s.execute(select(Platform.name, Platform.delisting_deadline_hours)).all()
    frame = pd.DataFrame(rows, columns=["platform", "deadline_hours", "status", "notified_at", "answered_at",
                                        "response", "alert_id"])
    relisted_by_platform: dict[str, int] = {}
    for target in relists:
        name = alert_platform.get(int(target.split(":")[1]))
        relisted_by_platform[name] = relisted_by_platform.get(name, 0) + 1
    out = []
    for name, deadline in sorted(platforms):
        f = frame[frame["platform"] == name]
        notified = f[f["notified_at"].notna()]
        answered = notified[notified["answered_at"].notna()]
        hours = ((pd.to_datetime(answered["answered_at"], utc=True) - pd.to_datetime(answered["notified_at"], utc=True))
                 .dt.total_seconds() / 3600) if len(answered) else pd.Series(dtype=float)
        delisted = answered[answered["response"] == "delisted"]
        delist_hours = hours[answered["response"] == "delisted"] if len(answered) else hours
        if deadline:
            limit = timedelta(hours=deadline)
            in_time = int((hours <= deadline).sum())
            open_ = notified[notified["answered_at"].isna()]
            overdue = int((pd.to_datetime(open_["notified_at"], utc=True) + limit < pd.Timestamp(now)).sum())
        else:
            in_time, overdue = None, 0
        out.append({
            "platform": name, "deadline_hours": deadline, "violations": len(f), "notified": len(notified),
            "answered": len(answered), "answered_in_time": in_time, "delisted": len(delisted),
            "disputed": int((answered["response"] == "disputed").sum()),
            "warned": int((answered["response"] == "warned").sum()), "overdue": overdue,
            "median_hours_to_delist": float(delist_hours.median()) if len(delist_hours) else None,
            "relistings_caught": relisted_by_platform.get(name, 0),
        })
    return pd.DataFrame(out)
