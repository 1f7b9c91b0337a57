"""How values are shown in the UI: instants with an unambiguous zone, money, unit prices, percentages.

Instants are stored in UTC and shown in the display zone (``[display] timezone``) as ``2020-02-16 09:30
UTC+08:00`` — the offset is written out, never a zone abbreviation (CST is China, Cuba and US Central). Money keeps
its currency (CLDR formats via Babel, in the page's language); unit prices get up to four decimals because a mask
costs ¥0.6 a piece.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.numbers import format_currency, format_decimal

LOCALES = {"en": "en_US", "zh": "zh_Hans_CN"}


def offset_text(moment: datetime) -> str:
    """``UTC+08:00``, ``UTC-05:00``, ``UTC+00:00``."""
    delta = moment.utcoffset()
    minutes = int(delta.total_seconds() // 60) if delta is not None else 0
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def instant(value: datetime | None, tz: str, *, seconds: bool = False) -> str:
    """``2020-02-16 09:30 UTC+08:00`` in zone ``tz``; ``—`` for a missing value. Naive values are taken as UTC
    (the store never returns them; a naive value here is a bug upstream, shown rather than hidden)."""
    if value is None:
        return "—"
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo("UTC"))
    local = value.astimezone(ZoneInfo(tz))
    return local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M") + " " + offset_text(local)


def day(value: date | datetime | None, tz: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = value.astimezone(ZoneInfo(tz)).date()
    return value.isoformat()


def money(amount: float | None, currency: str | None, lang: str, *, unit_price: bool = False) -> str:
    """``¥29.90`` / ``CN¥0.6012``: CLDR formatting in the page's language; ``—`` when missing."""
    if amount is None or currency is None or amount != amount:
        return "—"
    pattern = "¤#,##0.00##" if unit_price else None
    try:
        return format_currency(amount, currency, format=pattern, locale=LOCALES.get(lang, "en_US"),
                               currency_digits=not unit_price)
    except (ValueError, KeyError):  # an unknown ISO code: the amount and the code as given
        return f"{amount:,.4f} {currency}"


def percent(value: float | None, lang: str) -> str:
    if value is None or value != value:
        return "—"
    text = format_decimal(round(value), locale=LOCALES.get(lang, "en_US"))
    return f"{'+' if value >= 0 else ''}{text}%"


def epoch(value: datetime | None) -> float | None:
    """Seconds since 1970 UTC (the chart's x axis)."""
    return value.timestamp() if value is not None else None


__all__ = ["day", "epoch", "instant", "money", "offset_text", "percent"]
