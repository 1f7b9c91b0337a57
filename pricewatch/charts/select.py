"""Charts from the database: one listing (with its alert's baseline and threshold), or any history selection.

The same selection as ``pricewatch history`` / :func:`pricewatch.history.query` (platforms, listings, sellers,
categories, since/until), drawn by :mod:`pricewatch.charts.draw`. Used by ``pricewatch chart``, ``GET /v1/…/chart``,
the digest and the review workspace's case bundle.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

import pandas as pd
from sqlalchemy import select

from pricewatch import history
from pricewatch.charts.draw import panels_chart, price_chart
from pricewatch.errors import NotFound
from pricewatch.store.engine import Database
from pricewatch.store.models import Alert, Emergency, Listing, Platform

MAX_PANELS = 4


def threshold_for(alert: Alert) -> float | None:
    """The unit price above which the alert's rule flags: baseline × (1 + the rule's threshold), the cap itself
    for a price-cap rule, the peer line (``new_seller_pct``) for a peer comparison; None without a baseline."""
    from analysis.presets import load_presets

    if alert.baseline_unit_price is None:
        return None
    preset = load_presets().get(alert.rule)
    if preset is None:
        return None
    if preset.capped:
        return float(alert.baseline_unit_price)
    pct = preset.new_seller_pct if str(alert.baseline_method or "").startswith("peer") else preset.threshold_pct
    return float(alert.baseline_unit_price) * (1 + pct / 100.0)


def _resolve(db: Database, alert_or_listing) -> tuple[Listing, str, Alert | None]:  # noqa: ANN001
    """An alert (id or object), a listing (object, ``(platform, listing_id)`` or ``"platform/listing_id"``) →
    (listing, platform name, the alert to draw: the given one, else the listing's latest)."""
    with db.session() as s:
        alert = None
        if isinstance(alert_or_listing, Alert):
            alert_or_listing = alert_or_listing.id
        if isinstance(alert_or_listing, int):
            alert = s.get(Alert, alert_or_listing)
            if alert is None:
                raise NotFound(f"no alert {alert_or_listing}")
            listing = s.get(Listing, alert.listing_id)
        elif isinstance(alert_or_listing, Listing):
            listing = s.get(Listing, alert_or_listing.id)
        else:
            platform, key = (alert_or_listing.split("/", 1) if isinstance(alert_or_listing, str)
                             else alert_or_listing)
            listing = s.scalar(select(Listing).join(Platform, Platform.id == Listing.platform_id)
                               .where(Platform.name == platform, Listing.listing_key == key))
            if listing is None:
                raise NotFound(f"no listing {platform}/{key}")
        if alert is None:
            alert = s.scalar(select(Alert).where(Alert.listing_id == listing.id).order_by(Alert.id.desc()).limit(1))
        platform_name = s.scalar(select(Platform.name).where(Platform.id == listing.platform_id))
        s.expunge_all()
    return listing, platform_name, alert


def _emergency_start(db: Database, alert: Alert | None, region: str | None) -> pd.Timestamp | None:
    with db.session() as s:
        if alert is not None and alert.emergency_id is not None:
            start = s.scalar(select(Emergency.start).where(Emergency.id == alert.emergency_id))
        else:  # the earliest emergency whose jurisdiction covers the listing's region
            starts = [e.start for e in s.scalars(select(Emergency).order_by(Emergency.start))
                      if region and region.upper().startswith(e.jurisdiction.upper())]
            start = starts[0] if starts else None
    return pd.Timestamp(start).tz_convert("UTC") if start is not None else None


def listing_chart(db: Database, alert_or_listing, fmt: str = "png", *,  # noqa: ANN001
                  since: str | date | datetime | None = None, until: str | date | datetime | None = None) -> bytes:
    """One listing's history as PNG or SVG bytes: observations, daily median, the alert's baseline and threshold
    (the given alert, else the listing's latest, if any), the emergency start, gaps as gaps.

    ``alert_or_listing``: an alert id or :class:`Alert`, a :class:`Listing`, ``("jd", "100012043978")`` or
    ``"jd/100012043978"``. Raises :class:`~pricewatch.errors.NotFound` for an unknown alert or listing."""
    listing, platform, alert = _resolve(db, alert_or_listing)
    tz = db.settings.timezone
    obs = history.query(db, platforms=platform, listings=listing.listing_key, start=since, end=until)
    obs = obs[obs["unit_price"].notna()]
    currency = obs["currency"].iloc[-1] if len(obs) else (alert.currency if alert else "")
    unit = obs["unit"].iloc[-1] if len(obs) else (alert.unit if alert else "")
    title = f"{platform}/{listing.listing_key}" + (f"  alert #{alert.id} {alert.rule}" if alert else "")
    return price_chart(
        obs[obs["currency"] == currency] if len(obs) else obs,
        baseline=alert.baseline_unit_price if alert else None,
        threshold=threshold_for(alert) if alert else None,
        emergency_start=_emergency_start(db, alert, listing.region), title=title,
        unit_label=f"{currency}/{unit}", tz=tz, fmt=fmt)


def selection_chart(
    db: Database,
    *,
    platforms: str | Iterable[str] | None = None,
    listings: str | Iterable[str] | None = None,
    sellers: str | Iterable[str] | None = None,
    categories: str | Iterable[str] | None = None,
    since: str | date | datetime | None = None,
    until: str | date | datetime | None = None,
    fmt: str = "png",
) -> bytes:
    """A chart of any history selection (the options of ``pricewatch history``). One listing → :func:`listing_chart`;
    several → one panel per currency × unit (the :data:`MAX_PANELS` with most observations): offers as dots, the
    daily median with the daily min–max band, the emergency start. Raises NotFound when nothing matches."""
    obs = history.query(db, platforms=platforms, listings=listings, sellers=sellers, categories=categories,
                        start=since, end=until)
    if obs.empty:
        raise NotFound("no observations match this selection (check the filters with pricewatch history)")
    pairs = obs[["platform", "listing_id"]].drop_duplicates()
    if len(pairs) == 1:
        platform, key = pairs.iloc[0]
        return listing_chart(db, (platform, key), fmt, since=since, until=until)
    tz = db.settings.timezone
    priced = obs[obs["unit_price"].notna()]
    if priced.empty:
        raise NotFound("the selected listings have no unit prices (pack quantities unknown)")
    what = _describe(platforms, sellers, categories)
    groups = priced.groupby(["currency", "unit"]).size().sort_values(ascending=False).head(MAX_PANELS)
    panels = []
    for currency, unit in groups.index:
        part = priced[(priced["currency"] == currency) & (priced["unit"] == unit)]
        n = part[["platform", "listing_id"]].drop_duplicates().shape[0]
        panels.append({"observations": part, "title": f"{what}  {currency}/{unit}, {n} listings",
                       "unit_label": f"{currency}/{unit}"})
    start = _first_emergency(db)
    return panels_chart(panels, tz=tz, fmt=fmt, emergency_start=start)


def _describe(platforms, sellers, categories) -> str:  # noqa: ANN001
    parts = []
    for label, value in (("platform", platforms), ("seller", sellers), ("category", categories)):
        if value:
            items = [value] if isinstance(value, str) else list(value)
            parts.append(f"{label} {','.join(items)}")
    return "; ".join(parts) or "all listings"


def _first_emergency(db: Database) -> pd.Timestamp | None:
    with db.session() as s:
        start = s.scalar(select(Emergency.start).order_by(Emergency.start).limit(1))
    return pd.Timestamp(start).tz_convert("UTC") if start is not None else None
