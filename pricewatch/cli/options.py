"""Option types shared by the commands: every wrong value is refused with a message that lists what is known.

Dates go through :func:`pricewatch.instants.parse_when` (the same rules as the HTTP API); platform names are
checked against the database (with the right spelling suggested: ``JD`` → ``jd``); categories against the
taxonomy; jurisdictions against ISO 3166.
"""

from __future__ import annotations

from collections.abc import Iterable

import click

from pricewatch.instants import check_range, parse_when

ALERT_STATUSES = ("open", "notified", "acknowledged", "delisted", "disputed", "dismissed", "verified", "closed")


class When(click.ParamType):
    """A date YYYY-MM-DD or an ISO 8601 instant (years 1678–2261)."""

    name = "DATE|ISO"

    def convert(self, value, param, ctx):  # noqa: ANN001, ANN201
        if not isinstance(value, str):
            return value
        try:
            return parse_when(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


WHEN = When()


def check_since_until(since, until) -> None:  # noqa: ANN001
    try:
        check_range(since, until)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--since/--until") from None


def category_choice() -> click.Choice:
    from pricewatch.normalize.category import TAXONOMY

    return click.Choice(sorted(TAXONOMY))


def check_platforms(db, names: Iterable[str], param_hint: str = "--platform") -> None:  # noqa: ANN001
    """BadParameter naming the known platforms when a name is not one of them."""
    from sqlalchemy import select

    from pricewatch.store.models import Platform

    names = list(names)
    if not names:
        return
    with db.session() as s:
        known = sorted(s.scalars(select(Platform.name)))
    for name in names:
        if name in known:
            continue
        near = [k for k in known if k.lower() == name.lower()]
        hint = f" (did you mean {near[0]!r}? names are case-sensitive)" if near else ""
        listed = ", ".join(known) if known else "none yet: platforms appear when their data is ingested"
        raise click.BadParameter(f"no platform named {name!r}{hint}; known: {listed}", param_hint=param_hint)


class Jurisdiction(click.ParamType):
    """An ISO 3166-1 country code or ISO 3166-2 subdivision (CN, US, US-CA), optionally with a local suffix of
    letters (US-NY-NYC)."""

    name = "ISO3166"

    def convert(self, value, param, ctx):  # noqa: ANN001, ANN201
        import pycountry

        from pricewatch.feed.schema import LEGACY_CN

        code = str(value).strip().upper()
        parts = code.split("-")
        if pycountry.countries.get(alpha_2=parts[0]) is None or len(parts[0]) != 2:
            self.fail(f"{value!r}: {parts[0]!r} is not an ISO 3166-1 alpha-2 country code (CN, US, DE, FR…)",
                      param, ctx)
        if len(parts) >= 2:
            sub = "-".join(parts[:2])
            if sub not in LEGACY_CN and pycountry.subdivisions.get(code=sub) is None:
                known = sorted(s.code for s in pycountry.subdivisions.get(country_code=parts[0]) or [])[:12]
                self.fail(f"{value!r}: {sub!r} is not an ISO 3166-2 subdivision of {parts[0]}"
                          + (f" (e.g. {', '.join(known)})" if known else ""), param, ctx)
        if len(parts) > 3 or (len(parts) == 3 and not parts[2].isalpha()):
            self.fail(f"{value!r}: at most one local suffix of letters after the subdivision (US-NY-NYC)", param, ctx)
        return code


JURISDICTION = Jurisdiction()
