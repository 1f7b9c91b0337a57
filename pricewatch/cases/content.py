"""What goes into a case, read from the database: the alert record, its price series, its evidence list.

Built on the review workspace's case file (:mod:`pricewatch.alerts.casefile`: the alert with its listing, seller,
platform, emergency and rule; what changed; the timeline), so the bundle and the alert page say the same things.

The record follows what regulators ask of a complaint or an electronic-evidence extraction (docs/cases.md,
RULES.md § 4 and § 5.5): platform, listing URL, seller id, name and licence; the unit normalisation used; the rule
with its citation and version (review date); the emergency; the baseline — method, window, number of observations
and the **prior price shown explicitly** (the last offer before the baseline window closed, with its date); the
observed price at the first violation; ``prima_facie`` and the flags. Every instant is ISO 8601 UTC (``Z``); the
price series adds the display-zone time with its offset.
"""

from __future__ import annotations

import pandas as pd

from pricewatch import history
from pricewatch.alerts.casefile import CaseFile, what_changed
from pricewatch.instants import utc_text, utc_texts
from pricewatch.store.engine import Database
from pricewatch.store.models import Alert

SERIES_COLUMNS = ["observed_at_utc", "observed_at_local", "price", "shipping", "currency", "availability", "offer",
                  "unit_price", "unit", "source", "snapshot_sha256", "in_baseline_window", "from_first_violation"]


def _price(row: pd.Series | None) -> dict | None:
    if row is None:
        return None
    return {"observed_at": utc_text(row["observed_at"].to_pydatetime()), "price": _num(row["price"]),
            "shipping": _num(row["shipping"]), "currency": _text(row["currency"]),
            "unit_price": _num(row["unit_price"]), "unit": _text(row["unit"]),
            "availability": _text(row["availability"]), "source": _text(row["source"]),
            "snapshot_sha256": _text(row["snapshot_sha256"])}


def _text(value) -> str | None:  # noqa: ANN001
    """A text field of a pandas row: missing (None, NaN) is ``None`` — JSON has no NaN."""
    return None if value is None or (isinstance(value, float) and value != value) else str(value)


def _num(value) -> float | None:  # noqa: ANN001
    """A number as stored, without binary noise (12 significant digits; 0.7219000000000001 → 0.7219)."""
    return None if value is None or pd.isna(value) else float(f"{float(value):.12g}")


def price_series(db: Database, case: CaseFile) -> pd.DataFrame:
    """Every stored observation of the alert's listing (offers and not: out of stock and placeholders are kept and
    marked ``offer=False``), oldest first, with the case columns added (:data:`SERIES_COLUMNS` plus the history
    columns)."""
    alert = case.alert
    frame = history.query(db, platforms=case.platform.name, listings=case.listing.listing_key,
                          include_unavailable=True)
    frame = frame.sort_values("observed_at", kind="stable").reset_index(drop=True)
    local = frame["observed_at"].dt.tz_convert(db.settings.timezone)
    frame["observed_at_utc"] = utc_texts(frame["observed_at"])
    frame["observed_at_local"] = local.dt.strftime("%Y-%m-%d %H:%M:%S UTC%z").str.replace(
        r"([+-]\d\d)(\d\d)$", r"\1:\2", regex=True)
    lo, hi = alert.baseline_window_start, alert.baseline_window_end
    in_window = pd.Series(False, index=frame.index)
    if lo is not None and hi is not None:
        in_window = (frame["observed_at"] >= pd.Timestamp(lo)) & (frame["observed_at"] <= pd.Timestamp(hi))
    frame["in_baseline_window"] = in_window
    frame["from_first_violation"] = frame["observed_at"] >= pd.Timestamp(alert.first_violation_at)
    return frame


def alert_record(case: CaseFile, series: pd.DataFrame) -> dict:
    """The alert as a case record (see the module docstring). ``series`` is :func:`price_series`'s frame."""
    alert, listing, platform, seller, emergency, preset = (case.alert, case.listing, case.platform, case.seller,
                                                           case.emergency, case.preset)
    offers = series[series["offer"]] if "offer" in series else series
    cut = alert.baseline_window_end or (emergency.start if emergency else None) or alert.first_violation_at
    before = offers[offers["observed_at"] <= pd.Timestamp(cut)]
    prior = before.iloc[-1] if len(before) else None
    first = offers[offers["from_first_violation"]]
    at_violation = first.iloc[0] if len(first) else None
    in_window = offers[offers["in_baseline_window"]]
    changed = what_changed(series[series["unit_price"].notna()], case)
    if changed is not None:
        for side in ("before", "after"):
            changed[side]["at"] = utc_text(changed[side]["at"])
    return {
        "format": "pricewatch-case/1",
        "prima_facie": True,
        "note": "A presumptive (prima facie) finding: the seller may show cost increases.",
        "alert": {
            "id": alert.id, "status": alert.status, "severity": alert.severity, "score": _num(alert.score),
            "flags": alert.flags or [], "explanation": alert.explanation,
            "first_violation_at": utc_text(alert.first_violation_at),
            "last_violation_at": utc_text(alert.last_violation_at), "detected_at": utc_text(alert.detected_at),
            "notified_at": utc_text(alert.notified_at), "answered_at": utc_text(alert.answered_at),
            "platform_answer": alert.response, "platform_answer_reason": alert.response_reason,
            "closed_at": utc_text(alert.closed_at), "increase_pct": _num(alert.increase_pct),
            "evidence": list(alert.evidence or []),
        },
        "rule": {"id": alert.rule, "title": preset.title if preset else None,
                 "citation": preset.source if preset else None,
                 "version": preset.last_reviewed if preset else None,
                 "threshold_pct": preset.threshold_pct if preset else None,
                 "threshold_unit_price": case.threshold_unit_price},
        "emergency": None if emergency is None else {
            "name": emergency.name, "jurisdiction": emergency.jurisdiction, "declared_start": utc_text(emergency.start),
            "end": utc_text(emergency.end), "baseline_date": utc_text(emergency.baseline_date),
            "rule_preset": emergency.rule_preset},
        "platform": {"name": platform.name, "country": platform.country,
                     "pledge_signed_on": platform.pledge_signed_on.isoformat() if platform.pledge_signed_on else None,
                     "delisting_deadline_hours": platform.delisting_deadline_hours},
        "seller": None if seller is None else {"platform": platform.name, "seller_id": seller.seller_key,
                                               "name": seller.name, "license": seller.license,
                                               "license_set_by": case.license_set_by},
        "listing": {"platform": platform.name, "listing_id": listing.listing_key, "url": listing.url,
                    "title": listing.title, "category": listing.category, "region": listing.region,
                    "status": listing.status,
                    "unit_normalisation": {"pack_quantity": listing.pack_quantity, "pack_unit": listing.pack_unit,
                                           "quantity_source": listing.quantity_source,
                                           "formula": "unit price = (price + shipping) / pack quantity"}},
        "baseline": {
            "method": alert.baseline_method, "unit_price": _num(alert.baseline_unit_price),
            "currency": alert.currency, "unit": alert.unit,
            "window_start": utc_text(alert.baseline_window_start), "window_end": utc_text(alert.baseline_window_end),
            "n_observations": alert.baseline_n,
            "observations_in_case": int(len(in_window)),
            "observations_file": "prices.csv (rows with in_baseline_window = True)",
            "prior_price": _price(prior),
        },
        "observed": {"unit_price": _num(alert.observed_unit_price), "currency": alert.currency, "unit": alert.unit,
                     "price_at_first_violation": _price(at_violation)},
        "what_changed": changed,
    }


def evidence_hashes(alert: Alert, series: pd.DataFrame) -> list[str]:
    """The alert's evidence snapshots and every snapshot behind an observation of its listing, each once."""
    seen = list(alert.evidence or [])
    for sha in series["snapshot_sha256"].dropna():
        if sha not in seen:
            seen.append(sha)
    return seen
