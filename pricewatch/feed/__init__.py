"""Feed v1: schema and validation (``schema``), streaming file reading (``reader``)."""

from pricewatch.feed.reader import read_feed
from pricewatch.feed.schema import AVAILABILITY, COLUMNS, OPTIONAL, REQUIRED, validate

__all__ = ["AVAILABILITY", "COLUMNS", "OPTIONAL", "REQUIRED", "read_feed", "validate"]
