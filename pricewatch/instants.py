"""User-given dates and instants (``--since``, ``?since=``): parsed once, with one message for every surface.

Accepted: a calendar date ``YYYY-MM-DD`` (a day in the display zone) or an ISO 8601 instant; an instant without
zone is read in the display zone. Years are limited to 1678–2261, what the stored history can hold. Anything
else raises :class:`ValueError` whose message says what was wrong and what is accepted.
"""

from __future__ import annotations

from datetime import date, datetime

FIRST_YEAR, LAST_YEAR = 1678, 2261
ACCEPTED = "a date YYYY-MM-DD or an ISO 8601 instant such as 2020-01-20T10:00:00+08:00"


def parse_when(text: str) -> date | datetime:
    """``text`` as a date or an (aware or naive) datetime; ValueError with a user-facing message otherwise."""
    value = text.strip() if isinstance(text, str) else text
    if not value:
        raise ValueError(f"empty; give {ACCEPTED}")
    try:
        parsed: date | datetime = (date.fromisoformat(value) if len(value) == 10
                                   else datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00")))
    except ValueError:
        raise ValueError(f"{value[:40]!r} is not {ACCEPTED}") from None
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        raise ValueError(f"{value[:40]!r}: the year must be between {FIRST_YEAR} and {LAST_YEAR}")
    return parsed


def check_range(since: date | datetime | None, until: date | datetime | None) -> None:
    """ValueError when ``since`` is after ``until`` (compared as days when either is a date)."""
    if since is None or until is None:
        return
    a = since.date() if isinstance(since, datetime) else since
    b = until.date() if isinstance(until, datetime) else until
    if isinstance(since, datetime) and isinstance(until, datetime) and (since.tzinfo is None) == (until.tzinfo is None):
        if since > until:
            raise ValueError(f"since ({since.isoformat()}) is after until ({until.isoformat()})")
    elif a > b:
        raise ValueError(f"since ({since.isoformat()}) is after until ({until.isoformat()})")


# One written form per kind, in every answer (API JSON, webhooks, CSV, JSON Lines, Parquet's text columns, digests):
#   a day      → YYYY-MM-DD (a calendar day in the display zone, unless the field says UTC)
#   an instant → ISO 8601 in UTC with Z, to the second: 2020-01-20T02:00:00Z (the database keeps fractions of a
#                second; a written instant never shows them, so every instant has the same length and form)
DAY_FORMAT = "%Y-%m-%d"
INSTANT_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def utc_text(value: datetime | None) -> str | None:
    """An instant as ISO 8601 UTC with ``Z``, to the second (naive values are taken as UTC); None stays None."""
    if value is None or value != value:
        return None
    from datetime import UTC

    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.strftime(INSTANT_FORMAT)


def utc_texts(values):  # noqa: ANN001, ANN201
    """:func:`utc_text` over a pandas Series of instants, vectorised (NaT → None)."""
    import pandas as pd

    stamps = pd.to_datetime(values, utc=True)
    return stamps.dt.strftime(INSTANT_FORMAT).astype(object).where(stamps.notna(), None)


def day_text(value: date | datetime | None) -> str | None:
    """A day as YYYY-MM-DD (a datetime gives its own calendar date, in its own zone)."""
    if value is None or value != value:
        return None
    return value.strftime(DAY_FORMAT)


def utc_fields(record: dict) -> dict:
    """``record`` with its instant fields (``at`` and names ending in ``_at``, stored as ISO 8601 text with an offset,
    e.g. an alert's history) rewritten in the one written form; other values and unreadable text are kept."""
    out = dict(record)
    for key, value in record.items():
        if (key == "at" or key.endswith("_at")) and isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                continue
            out[key] = utc_text(parsed)
    return out
