"""The case's price chart as PNG bytes — the digest's chart, so a case and the digest show the same picture.

The only place the case code calls the chart code: issue 16 moves the digest's matplotlib charts to
``pricewatch.charts``; this import follows them there and falls back to their old home.
"""

from __future__ import annotations

import base64

import pandas as pd

from pricewatch.alerts.casefile import CaseFile

try:  # where the charts live after issue 16: keyword arguments, PNG bytes, a legal threshold line
    from pricewatch.charts import price_chart as _new_chart
except ImportError:  # before it: the digest's chart, positional arguments, a data: URI
    _new_chart = None
    from pricewatch.digest.charts import price_chart as _old_chart


def chart_png(series: pd.DataFrame, case: CaseFile, record: dict, tz: str = "UTC") -> bytes:
    """Unit prices of the offers (dots), their daily median, the baseline, the legal threshold (where the chart
    code draws one) and the emergency start, as PNG bytes."""
    alert = case.alert
    offers = series[series["offer"] & series["unit_price"].notna()] if "offer" in series else series
    offers = offers[["observed_at", "unit_price"]]
    emergency = record.get("emergency") or {}
    start = pd.Timestamp(emergency["declared_start"]) if emergency.get("declared_start") else None
    listing = record["listing"]
    title = f"#{alert.id} {listing['platform']}/{listing['listing_id']}"
    unit = f"{alert.currency}/{alert.unit}"
    threshold = case.threshold_unit_price
    if _new_chart is not None:
        return _new_chart(offers, baseline=alert.baseline_unit_price, threshold=threshold, emergency_start=start,
                          title=title, unit_label=unit, tz=tz, fmt="png")
    image = _old_chart(offers, alert.baseline_unit_price, start, title, unit)
    return base64.b64decode(image.split(",", 1)[1])
