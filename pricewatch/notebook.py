"""The analysts' Python API: ``import pricewatch as pw; db = pw.open(); pw.history(db, category="mask.surgical")``.

Each function mirrors one command, option for option (sqlite-utils' habit: the CLI is a thin shell over what a
notebook calls), and returns a pandas DataFrame (``chart`` returns image bytes):

===========================================  ====================================================================
Python                                        command line
===========================================  ====================================================================
``pw.open(url=None)``                         ``PRICEWATCH_DATABASE_URL`` / ``pricewatch.toml``
``pw.history(db, platform=, listing=,         ``pricewatch history --platform --listing --seller --category
seller=, category=, since=, until=,           --since --until --daily --by --include-unavailable``
daily=False, by="listing",
include_unavailable=False)``
``pw.alerts(db, status=, columns=)``          ``pricewatch alerts export --status --columns``
``pw.index(db, category=, platform=,          ``GET /v1/index?category=&base_end=&include_unavailable=``
region=, base_end=, include_unavailable=)``
``pw.chart(db, platform=, listing=, seller=,  ``pricewatch chart --platform --listing --seller --category --alert
category=, alert=, since=, until=,            --since --until -o FILE.png|svg``
fmt="png", output=None)``
===========================================  ====================================================================

``db`` may be omitted (the configured database is opened). Filters take one value or a list. Dates are
``YYYY-MM-DD`` days in the display zone, or ISO 8601 instants, or ``date``/``datetime`` objects.

Returned dtypes (documented in docs/analysts.md; a test holds them):

- ``history``: :data:`pricewatch.history.OBSERVATION_DTYPES` per observation (``observed_at`` tz-aware UTC), or
  :data:`pricewatch.history.DAILY_DTYPES` with ``daily=True``;
- ``alerts``: ``alert_id`` int64, ``first_violation_at``/``detected_at`` tz-aware UTC, prices and ``increase_pct``
  float64 (rounded as :mod:`pricewatch.amounts` says), the rest text;
- ``index``: :data:`pricewatch.history.INDEX_DTYPES`.

Numbers are float64 rounded once — money to the currency's minor unit, unit prices to 4 significant digits,
percentages to 0.01 — so ``repr`` shows the exact decimal; :func:`pricewatch.amounts.as_decimal` turns a column
into :class:`decimal.Decimal` values.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from pricewatch.store.engine import Database

When = str | date | datetime | None
Names = str | Iterable[str] | None


def open(url: str | None = None) -> Database:  # noqa: A001 - pw.open() reads as the verb it is
    """The configured database (``PRICEWATCH_DATABASE_URL``, ``pricewatch.toml``), or ``url``; schema upgraded."""
    from pricewatch.config import load_settings
    from pricewatch.store import open_database

    return open_database(load_settings(), url=url)


def _db(db: Database | None) -> Database:
    return db if db is not None else open()


def history(db: Database | None = None, *, platform: Names = None, listing: Names = None, seller: Names = None,
            category: Names = None, since: When = None, until: When = None, daily: bool = False,
            by: str = "listing", include_unavailable: bool = False) -> pd.DataFrame:
    """``pricewatch history``: per observation, or per day and group with ``daily=True``."""
    from pricewatch import history as history_module

    return history_module.query(_db(db), platforms=platform, listings=listing, sellers=seller, categories=category,
                                start=since, end=until, freq="D" if daily else None, by=by,
                                include_unavailable=include_unavailable)


def alerts(db: Database | None = None, *, status: Names = None, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """``pricewatch alerts export``: alerts most severe first; times as tz-aware UTC Timestamps."""
    from pricewatch.alerts.export import alerts_frame

    statuses = [status] if isinstance(status, str) else list(status) if status else None
    return alerts_frame(_db(db), status=statuses, columns=columns, utc_text=False)


def index(db: Database | None = None, *, category: Names = None, platform: Names = None, region: Names = None,
          base_end: When = None, include_unavailable: bool = False) -> pd.DataFrame:
    """The daily category price index (``GET /v1/index``); ``frame.attrs["reference_window_end"]`` is the end of
    the reference window (a UTC Timestamp)."""
    from pricewatch.history import price_index

    frame, end = price_index(_db(db), categories=category, platforms=platform, regions=region, reference_end=base_end,
                             include_unavailable=include_unavailable)
    frame.attrs["reference_window_end"] = end
    return frame


def chart(db: Database | None = None, *, platform: Names = None, listing: Names = None, seller: Names = None,
          category: Names = None, alert: int | None = None, since: When = None, until: When = None,
          fmt: str = "png", output: str | Path | None = None) -> bytes:
    """``pricewatch chart``: PNG or SVG bytes (also written to ``output`` when given)."""
    from pricewatch.charts import listing_chart, selection_chart

    database = _db(db)
    if alert is not None:
        image = listing_chart(database, int(alert), fmt, since=since, until=until)
    else:
        image = selection_chart(database, platforms=platform, listings=listing, sellers=seller, categories=category,
                                since=since, until=until, fmt=fmt)
    if output is not None:
        Path(output).write_bytes(image)
    return image


__all__ = ["alerts", "chart", "history", "index", "open"]
