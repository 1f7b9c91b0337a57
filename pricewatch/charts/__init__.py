"""Charts: one module for every surface (``pricewatch chart``, ``GET /v1/…/chart``, the digest, the case bundle).

- :func:`listing_chart` — ``listing_chart(db, alert_or_listing, fmt="png") -> bytes``: one listing with its
  alert's baseline and threshold;
- :func:`selection_chart` — any ``pricewatch history`` selection (platform, listing, seller, category, dates);
- :func:`price_chart`, :func:`index_chart`, :func:`data_uri` — drawing from DataFrames (no database).

PNG or SVG bytes; what is drawn and how gaps look: :mod:`pricewatch.charts.draw`.
"""

from pricewatch.charts.draw import FORMATS, MEDIA_TYPES, data_uri, index_chart, price_chart
from pricewatch.charts.select import listing_chart, selection_chart, threshold_for

__all__ = ["FORMATS", "MEDIA_TYPES", "data_uri", "index_chart", "listing_chart", "price_chart", "selection_chart",
           "threshold_for"]
