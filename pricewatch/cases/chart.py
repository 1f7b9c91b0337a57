"""The case's price chart as PNG bytes — the chart ``pricewatch chart --alert`` and the digest draw
(:func:`pricewatch.charts.listing_chart`: observations, daily median, the alert's baseline and legal threshold, the
emergency start), so a case, the digest and the CLI show the same picture. The only place the case code calls the
chart code."""

from __future__ import annotations

from pricewatch.charts import listing_chart
from pricewatch.store.engine import Database


def chart_png(db: Database, alert_id: int) -> bytes:
    """The alert's listing chart as PNG bytes."""
    return listing_chart(db, alert_id, "png")
