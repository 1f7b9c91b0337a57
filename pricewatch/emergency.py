"""Emergencies: declared crises that switch the legal rules on for a jurisdiction (and optionally categories).

``jurisdiction`` is an ISO 3166 code or prefix (``CN``, ``US``, ``US-CA``; ``US-NY-NYC`` for New York City). A
listing's ``region`` decides which emergency covers it (see ``analysis.detect.coverage``). Without ``rules`` the
preset is chosen by jurisdiction (``analysis/presets.toml`` [jurisdictions], longest prefix; ``generic`` otherwise).
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import select

from analysis.presets import load_presets, preset_for_jurisdiction
from pricewatch.errors import PricewatchError
from pricewatch.normalize.category import TAXONOMY
from pricewatch.store.engine import Database
from pricewatch.store.models import Emergency


def parse_when(text: str, tz: str) -> datetime:
    """An ISO instant, or a date meaning midnight at the start of that day in ``tz``."""
    text = text.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time.min, tzinfo=ZoneInfo(tz))
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise PricewatchError(f"{text!r} is not an ISO 8601 date or instant") from exc
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(tz))


def add_emergency(db: Database, *, name: str, jurisdiction: str, start: str | datetime, end: str | datetime | None = None,
                  categories: list[str] | None = None, rules: str | None = None,
                  baseline_date: str | datetime | None = None) -> Emergency:
    """Declare an emergency; dates without zone are in the configured display zone."""
    tz = db.settings.timezone
    jurisdiction = jurisdiction.strip().upper()
    if not jurisdiction or not jurisdiction[:2].isalpha():
        raise PricewatchError(f"jurisdiction {jurisdiction!r} is not an ISO 3166 code or prefix (CN, US, US-CA)")
    presets = load_presets()
    rules = rules or preset_for_jurisdiction(jurisdiction)
    if rules not in presets:
        raise PricewatchError(f"unknown rule preset {rules!r}; known: {', '.join(sorted(presets))}")
    unknown = [c for c in categories or [] if c not in TAXONOMY]
    if unknown:
        raise PricewatchError(f"unknown categories {', '.join(unknown)}; taxonomy ids: {', '.join(TAXONOMY)}")
    start_at = start if isinstance(start, datetime) else parse_when(start, tz)
    end_at = end if isinstance(end, datetime) or end is None else parse_when(end, tz)
    if end_at is not None and end_at <= start_at:
        raise PricewatchError("the end must be after the start")
    base_at = baseline_date if isinstance(baseline_date, datetime) or baseline_date is None else parse_when(baseline_date, tz)
    emergency = Emergency(name=name, jurisdiction=jurisdiction, start=start_at, end=end_at,
                          categories=categories or None, rule_preset=rules, baseline_date=base_at)
    with db.session() as s:
        s.add(emergency)
        s.commit()
    return emergency


def emergencies_frame(db: Database) -> pd.DataFrame:
    """All emergencies as the frame ``analysis.detect`` expects."""
    with db.session() as s:
        rows = s.scalars(select(Emergency).order_by(Emergency.start)).all()
    return pd.DataFrame({
        "id": [e.id for e in rows],
        "name": [e.name for e in rows],
        "jurisdiction": [e.jurisdiction for e in rows],
        "start": pd.to_datetime([e.start for e in rows], utc=True),
        "end": pd.to_datetime([e.end for e in rows], utc=True),
        "categories": [e.categories for e in rows],
        "rule": [e.rule_preset for e in rows],
        "baseline_date": pd.to_datetime([e.baseline_date for e in rows], utc=True),
    })
