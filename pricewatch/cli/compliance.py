"""``pricewatch compliance`` and ``pricewatch platforms``."""

from __future__ import annotations

import sys
from datetime import date

import click
from sqlalchemy import select

from pricewatch.cli.options import JURISDICTION, WHEN
from pricewatch.config import load_settings
from pricewatch.enforcement.compliance import compliance as compliance_report
from pricewatch.enforcement.compliance import format_as_of, resolve_as_of, set_pledge
from pricewatch.store import open_database
from pricewatch.store.models import Platform

# what the table shows, in order (the CSV carries every column of the report)
SHOWN = [("platform", "platform"), ("deadline_hours", "deadline"), ("notified", "notified"),
         ("answered", "answered"), ("answered_in_time", "in time"), ("delisted", "delisted"),
         ("disputed", "disputed"), ("awaiting", "awaiting"), ("overdue", "overdue"),
         ("median_hours_to_delist", "h→delist"), ("relistings_caught", "relisted"),
         ("feed_accuracy_pct", "feed accuracy")]


@click.command()
@click.option("--format", "fmt", type=click.Choice(["table", "csv"]), default="table", show_default=True)
@click.option("--as-of", "as_of", type=WHEN, default=None,
              help="The clock: an ISO 8601 instant (without zone: the display zone) or a date (the end of that day "
                   "in the display zone). Default: now. Overdue means 'past the deadline at this instant'.")
def compliance(fmt: str, as_of) -> None:  # noqa: ANN001
    """Pledge compliance per platform as of a stated instant: notified, answered (in time), delisted, disputed,
    awaiting an answer, overdue, median hours to delist, re-listings caught.

    The same function computes the digest's and the web UI's figures, so for the same --as-of they agree.
    The CSV has every column (as_of in UTC, answered_late, warned, violations …)."""
    settings = load_settings()
    clock = resolve_as_of(as_of, settings.timezone)
    frame = compliance_report(open_database(settings), clock)
    if fmt == "csv":
        out = frame.copy()
        out["as_of"] = clock.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        click.echo(out.to_csv(index=False), nl=False)
        return
    from rich.console import Console
    from rich.table import Table

    console = Console(width=None if sys.stdout.isatty() else 200)
    title = f"pledge compliance as of {format_as_of(clock, settings.timezone)} ({clock:%Y-%m-%d %H:%M} UTC)"
    if frame.empty:
        console.print(f"{title}: no platforms")
        return
    table = Table(title=title, header_style="bold")
    for name, label in SHOWN:
        table.add_column(label, justify="left" if name == "platform" else "right")
    for r in frame.to_dict("records"):
        table.add_row(*(_cell(name, r[name]) for name, _ in SHOWN))
    console.print(table)


def _cell(name: str, value) -> str:  # noqa: ANN001
    import pandas as pd

    if value is None or pd.isna(value):
        return "-"
    if name == "deadline_hours":
        return f"{value}h"
    if name == "median_hours_to_delist":
        return f"{value:.1f}"
    if name == "feed_accuracy_pct":  # crawled pages vs the platform's own feed (pricewatch reconcile)
        return f"{value:.1f}%"
    return str(value)


@click.group()
def platforms() -> None:
    """Platforms and their pledges (delisting deadline in hours)."""


@platforms.command("set")
@click.argument("name")
@click.option("--deadline-hours", type=click.IntRange(min=1, max=24 * 365),
              help="Hours the platform pledged to delist a violator within.")
@click.option("--pledge-date", type=click.DateTime(["%Y-%m-%d"]), help="When the pledge was signed.")
@click.option("--country", type=JURISDICTION, help="ISO 3166 country of the platform.")
@click.option("--text", help="The pledge's wording.")
def platforms_set(name: str, deadline_hours: int | None, pledge_date, country: str | None, text: str | None) -> None:  # noqa: ANN001
    """Create or update a platform's pledge."""
    if country is not None and "-" in country:
        raise click.BadParameter(f"{country!r}: a country code (CN, US), not a subdivision", param_hint="--country")
    if not 0 < len(name) <= 64 or name != name.strip():
        raise click.BadParameter("a platform name has 1 to 64 characters and no surrounding spaces",
                                 param_hint="NAME")
    signed: date | None = pledge_date.date() if pledge_date else None
    set_pledge(open_database(load_settings()), name, deadline_hours=deadline_hours, signed_on=signed, country=country,
               text=text)
    click.echo(f"platform {name}: deadline {deadline_hours or '-'} h, pledge signed {signed or '-'}")


@platforms.command("list")
def platforms_list() -> None:
    """List platforms with their pledges."""
    db = open_database(load_settings())
    with db.session() as s:
        rows = s.scalars(select(Platform).order_by(Platform.name)).all()
    for p in rows:
        click.echo(f"{p.name:<12} {p.country or '-':<4} deadline {p.delisting_deadline_hours or '-'} h, "
                   f"pledge {p.pledge_signed_on or '-'}")
